module strata.dev/plugins/set-annotations

go 1.24

require strata.dev/plugin-sdk-go v0.0.0

replace strata.dev/plugin-sdk-go => ../../sdk-go
