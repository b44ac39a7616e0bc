"""The playground: train a network in the browser, click any weight to see its chain rule.

``chainrule playground`` (:func:`playground_command`) starts a local server on 127.0.0.1 and a free
port and opens the page. The server (:mod:`~chainrule.playground.app`, a Starlette ASGI app)
trains with chainrule's engine (:mod:`~chainrule.playground.session`); the page only draws. The
JSON API is documented in ``docs/playground.md`` and served as OpenAPI at ``/openapi.json``.
This floor owns the web app: ``setup`` (the setup and its data), ``inputs`` (the inputs made from
x1, x2, the regression datasets, L1), ``uploads`` (CSV files), ``session`` (training state,
snapshots, heatmaps), ``audit`` (one step of the session's optimizer), ``export`` (model file,
weights, data, script), ``schemas`` (the API's bodies as OpenAPI schemas), ``openapi`` (the API's
paths and document), ``app`` (the routes), ``server`` (running it), and ``static/`` (the page).
It may import everything but the CLI (models, explain, sklearn, training, io, nn, data, engine,
errors), and Starlette.
"""

from chainrule.playground.server import playground_command, serve

__all__ = ["playground_command", "serve"]
