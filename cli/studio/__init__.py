"""The studio: the room as a web app (`room studio`), on the same run control as the command line.

    app.py       the FastAPI app: pages, the token, templates in the project's language
    security.py  the access token (cookie after the first visit), cross-site POSTs refused, files served safely
    control.py   graph work in background threads, one driver per run, its events pushed to every page watching
    words.py     the interface's words in English and Chinese
    *_page.py    one router per page: runs, gate, episode, memory, report

Route handlers only read the request, call `graphs.runs.Runs` (through
`control.Control`) and render a template: no run logic lives here.
"""
