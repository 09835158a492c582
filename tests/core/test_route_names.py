"""url_for remembers which route answers a name, and builds exactly the path Starlette would."""

import pytest
from starlette.routing import Mount, NoMatchFound, Route, Router


def _every_name(router: Router):
    for route in router.routes:
        if isinstance(route, Mount) and route.name and isinstance(route.app, Router):
            for child in route.routes:
                if isinstance(child, Route):
                    yield f"{route.name}:{child.name}", child
        elif isinstance(route, Route):
            yield route.name, route


def test_every_named_route_gets_the_path_starlette_builds(app):
    names = list(_every_name(app.router))
    assert len(names) > 50
    for name, route in names:
        params = {key: 7 if convertor.__class__.__name__ == "IntegerConvertor" else "x" for key, convertor in route.param_convertors.items()}
        twice = [app.router.url_path_for(name, **params) for _ in range(2)]
        assert twice[0] == twice[1] == Router.url_path_for(app.router, name, **params), name


def test_a_wrong_name_or_wrong_parameters_are_refused_as_before(app):
    assert app.router.url_path_for("surveys:answer", survey_id=3) == "/surveys/3/answer"
    with pytest.raises(NoMatchFound):
        app.router.url_path_for("surveys:answer")
    with pytest.raises(NoMatchFound):
        app.router.url_path_for("surveys:no_such_page", survey_id=3)
    assert app.router.url_path_for("static", path="css/baraza.css") == "/static/css/baraza.css"
