"""The playground: train a network in the browser, click any weight to see its chain rule.

``chainrule playground`` (:func:`playground_command`) starts a local server on 127.0.0.1 and a free
port and opens the page. The server (:mod:`~chainrule.playground.app`, a Starlette ASGI app)
trains with chainrule's engine (:mod:`~chainrule.playground.session`); the page only draws. The
JSON API is documented in ``docs/playground.md`` and served as OpenAPI at ``/openapi.json``.

Modules: ``setup`` (the setup and its data), ``session`` (training state, snapshots, heatmaps),
``export`` (model file, weights, data, script), ``openapi`` (the API's schema), ``app`` (the
routes), ``server`` (running it).
"""

from chainrule.playground.server import playground_command, serve

__all__ = ["playground_command", "serve"]
