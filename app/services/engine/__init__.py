"""The format engine: catalogue, row store, calculation, cell input, grid."""
