"""Every size a client can choose, with its upper bound (documented in docs/api.md and /docs)."""

MAX_DENSE_LAYERS = 8          # dense layers in a network (so at most 9 entries in `layers`)
MAX_UNITS = 64                # units in any layer, inputs included
MAX_POINTS = 5000             # points in a dataset
MAX_TRAIN_STEPS = 10_000      # iterations in one train request
MAX_BATCH_PAGE = 500          # samples in one page of per-sample batch arrays
MAX_GRID = 100                # grid points per side for predictions
MAX_UNIT_GRID = 32            # grid points per side for each unit's own picture
MAX_SEED = 2**32 - 1
MAX_NOISE = 2.0
MAX_STEP = 10**12             # updates a session may reach (a step a request or a file may name)
