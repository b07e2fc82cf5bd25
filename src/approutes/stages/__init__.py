"""Internal: the project-wide stages around the route pipeline (settings rules, CORS, middleware).

Built only when a project has any of them, so a plain project pays nothing for them.
"""
