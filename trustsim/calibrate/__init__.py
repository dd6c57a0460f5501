"""Calibration: targets, priors, the ABC fit (pyabc), the posterior and its report.

`calibration` reads `calibration/config.toml`, runs the fit and checks the shipped posterior;
`report` writes its pages under docs/calibration/. May import the model and sweep layers, never
analysis, teach, play, the app or the CLI. The ODD's calibration table is written from here by
`scripts/update_odd.py`, which stands above both this package and `trustsim.model.params`.
"""
