"""ManualGrad: watch backpropagation happen by hand."""
