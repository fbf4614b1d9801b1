// The Go soak program (test_soak.py builds it): the generated package, by local path.
module predict-soak

go 1.21

require github.com/predict-dev/predict/generated/go v0.0.0

replace github.com/predict-dev/predict/generated/go => ../../../generated/go
