"""Image backends: one labelled 1080x1920 PNG per shot.

    backend = create_image_backend("storyboard")          # default: no model, no network
    backend = create_image_backend("diffusers:/models/sd-turbo", height=512)
    backend = create_image_backend(BackendSpec.parse("openai:gpt-image-1", {"base_url": url}))
    backend.render(ImageRequest(shot_id="1A", ...), out=Path("shots/1A.png"))

Backend modules keep their heavy imports (torch, diffusers, openai) inside
functions, so importing this package stays cheap and the registry can say
what is missing before anything is loaded.
"""

from __future__ import annotations

from tools.images import diffusers_backend, openai_backend, storyboard
from tools.images.base import CharacterLook, ImageBackend, ImageRequest
from tools.registry import BackendSpec, Registry

IMAGES: Registry[ImageBackend] = Registry("images")
IMAGES.register(storyboard.INFO, storyboard.StoryboardBackend)
IMAGES.register(diffusers_backend.INFO, diffusers_backend.DiffusersBackend)
IMAGES.register(openai_backend.INFO, openai_backend.OpenAIImageBackend)


def create_image_backend(spec: BackendSpec | str = "storyboard", **options) -> ImageBackend:
    """The backend `spec` names (`provider[:model]` plus options), built with `options` too; a one-line
    ConfigError (an unknown name or option, a missing package, model or key) if it cannot be."""
    return IMAGES.create(spec, **options)


__all__ = ["IMAGES", "CharacterLook", "ImageBackend", "ImageRequest", "create_image_backend"]
