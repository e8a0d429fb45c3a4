"""The web door: FastAPI app, pages for participants and facilitators, templates, catalogues.

Routes parse the request, call one service function and render a Jinja2 template.
"""
