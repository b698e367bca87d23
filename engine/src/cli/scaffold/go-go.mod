module example.com/@NAME@

go 1.24

require strata.dev/plugin-sdk-go v0.0.0

replace strata.dev/plugin-sdk-go => ./krm
