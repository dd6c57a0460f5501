"""The workshop view: an interactive Solara page over `trustsim.TrustModel`.

Start it with `trustsim app` (or `solara run trustsim.app.app`). The page is presentation only:
`session.Workshop` runs the library's models for one browser session, `charts` draws them with
matplotlib, `components` holds the Solara pieces, `i18n` the Swedish and English strings.

Nothing here is imported by the library (only `trustsim app` and `trustsim bench --app` start it),
and importing this package does not import Solara. It may import every layer below it (model,
sweep, analysis, teach, play); it holds pages, not model logic. `trustsim.cli.app` serves it.
"""
