module strata.dev/plugin-sdk-go

go 1.24
