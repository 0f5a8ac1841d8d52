"""The review page: `quizgen serve QUIZ` / `quizgen review QUIZ --web`.

A local Starlette app with Jinja2 templates over the same store every command uses. It needs the
optional extra `quizgen[web]` and is imported only by those commands, so `quizgen --help` and the
other commands never load it. `security` guards every request, `presenting` decides what is shown,
`forms` maps the per-type edit form, `actions` changes the store, `app` wires routes, `server`
runs it on 127.0.0.1.
"""
