"""The workshop view: an interactive Solara page over `trustsim.TrustModel`.

Start it with `trustsim app` (or `solara run trustsim.app.app`). The page is presentation only:
`session.Workshop` runs the library's models for one browser session, `charts` draws them with
matplotlib, `components` holds the Solara pieces, `i18n` the Swedish and English strings.

Nothing here is imported by the library, and importing this package does not import Solara.
"""
