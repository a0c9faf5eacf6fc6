"""procountor_sandbox: a stateful local Procountor API 26.04 for tests and demos.

Run it with ``python -m procountor_sandbox --port 8899`` or, from Python,
``procountor_sandbox.server.start_in_thread(port=0)``. It never imports Odoo.
"""
