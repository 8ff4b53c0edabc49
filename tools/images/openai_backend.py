"""Image backend "openai": the OpenAI images API, or any server that speaks it.

The server is the `base_url` option, which the configuration resolves for
images alone (`ROOM_IMAGES_BASE_URL`, `base_url` in `[images]`), else OpenAI's
own: never the chat server's. The key is in the variable `key_env` names
(OPENAI_API_KEY), or the `api_key` argument in code; a server on this machine
needs none. A shot with a character's reference image (`room look`) is an
image edit of that picture (`images.edit`). The image the model returns is scaled to cover 1080x1920,
centre-cropped and labelled.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from pathlib import Path

from tools.errors import ModelOutputError, ModelUnavailableError, client_options, openai_errors
from tools.images.base import ImageRequest
from tools.images.stamp import label_and_save
from tools.registry import OPENAI_URL, BackendInfo

INFO = BackendInfo(
    name="openai",
    kind="images",
    packages=("openai",),
    key_env="OPENAI_API_KEY",
    base_url=OPENAI_URL,
)
DEFAULT_MODEL = "gpt-image-1"
DEFAULT_SIZE = "1024x1536"  # the API's portrait size closest to 9:16


class OpenAIImageBackend:
    info = INFO

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        size: str = DEFAULT_SIZE,
        base_url: str = OPENAI_URL,
        key_env: str | None = None,
        timeout: float = 120.0,
        *,
        api_key: str | None = None,
        env: Mapping[str, str] | None = None,
    ):
        self.model = model
        self.size = size
        self.base_url = base_url or OPENAI_URL
        self.key_env = key_env or INFO.key_env
        self.api_key = api_key or INFO.api_key(self.key_env, base_url, env)
        self.timeout = timeout
        self._client = None

    def models(self) -> list[str]:
        return [f"openai:{self.model}"]

    def _client_(self):
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(api_key=self.api_key, base_url=self.base_url, **client_options(self.timeout))
        return self._client

    def _fetch(self, request: ImageRequest) -> bytes:
        reference = request.reference_image
        with openai_errors("the images server", self.key_env):
            if reference is None:
                response = self._client_().images.generate(
                    model=self.model, prompt=request.prompt_with_looks(), size=self.size, n=1
                )
            else:  # drawn from the character's reference image (`room look`)
                mime = "image/png" if reference.suffix.lower() == ".png" else "image/jpeg"
                response = self._client_().images.edit(
                    model=self.model,
                    image=(reference.name, reference.read_bytes(), mime),
                    prompt=request.prompt_with_looks(),
                    size=self.size,
                    n=1,
                )
        item = response.data[0] if response.data else None
        if item is not None and item.b64_json:
            return base64.b64decode(item.b64_json)
        if item is not None and item.url:
            import httpx

            try:
                reply = httpx.get(item.url, timeout=self.timeout)
                reply.raise_for_status()
            except httpx.HTTPError as exc:
                raise ModelUnavailableError(f"cannot download the generated image: {exc}") from None
            return reply.content
        raise ModelOutputError("the images server returned no image")

    def render(self, request: ImageRequest, out: Path) -> Path:
        from PIL import Image, ImageOps, UnidentifiedImageError

        data = self._fetch(request)
        try:
            image = Image.open(io.BytesIO(data)).convert("RGB")
        except UnidentifiedImageError:
            raise ModelOutputError("the images server returned data that is not an image") from None
        image = ImageOps.fit(image, (request.width, request.height), Image.Resampling.LANCZOS)
        return label_and_save(image, request, out, self.models())
