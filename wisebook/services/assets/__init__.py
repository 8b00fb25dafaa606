"""Fixed assets: the register, depreciation runs, disposals, the DSF tables."""
