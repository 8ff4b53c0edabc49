"""Image backends: one labelled 1080x1920 PNG per shot.

    backend = create_image_backend("storyboard")          # default: no model, no network
    backend = create_image_backend("diffusers", model="path/or/hub-id")
    backend = create_image_backend("openai", model="gpt-image-1")
    backend.render(ImageRequest(shot_id="1A", ...), out=Path("shots/1A.png"))

Backend modules keep their heavy imports (torch, diffusers, openai) inside
functions, so importing this package stays cheap and the registry can say
what is missing before anything is loaded.
"""

from __future__ import annotations

from tools.images import diffusers_backend, openai_backend, storyboard
from tools.images.base import CharacterLook, ImageBackend, ImageRequest
from tools.registry import Registry

IMAGES: Registry[ImageBackend] = Registry("images")
IMAGES.register(storyboard.INFO, lambda **options: storyboard.StoryboardBackend(**options))
IMAGES.register(diffusers_backend.INFO, lambda **options: diffusers_backend.DiffusersBackend(**options))
IMAGES.register(openai_backend.INFO, lambda **options: openai_backend.OpenAIImageBackend(**options))


def create_image_backend(name: str = "storyboard", **options) -> ImageBackend:
    """The named backend, built with `options`; UnknownBackendError, MissingPackageError or MissingKeyError if it cannot be."""
    return IMAGES.create(name, **options)


__all__ = ["IMAGES", "CharacterLook", "ImageBackend", "ImageRequest", "create_image_backend"]
