"""ManualGrad: watch backpropagation happen by hand."""
import os

# One BLAS thread per process unless MANUALGRAD_BLAS_THREADS says otherwise, set before NumPy
# loads (OpenBLAS sizes its thread pool then; limiting it later still left a 9-layer train at
# half speed): the compute thread and the event loop share the cores with other processes.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, os.environ.get("MANUALGRAD_BLAS_THREADS", "1"))
