"""bindgen: parse an annotated C header into an IR and render bindings with Jinja2."""
