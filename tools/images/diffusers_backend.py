"""Image backend "diffusers": a text-to-image model diffusers can load from a folder on this machine.

    ROOM_IMAGES=diffusers:./sd-turbo          # a model folder (save_pretrained's layout)

A hub id is fetched only when asked for (`local_files_only = false`), so a
model that is not where the spec says is a one-line error, not a download.

A character keeps its face through the fixed seed of its visual sheet (the
first character's seed, else the request's) and its appearance tokens in the
prompt; when a character of the shot has a reference image (`room look`), the
shot is drawn image-to-image from it (the image-to-image pipeline made from the
same loaded components, `strength` saying how far from the reference it goes). The model draws at a smaller 9:16 size (both sides multiples of 8),
and the result is upscaled to the request's 1080x1920, so a CPU run stays
affordable. torch, diffusers and transformers load only when the backend is
built.
"""

from __future__ import annotations

from pathlib import Path

from tools.errors import ConfigError, ModelUnavailableError
from tools.images.base import ImageRequest
from tools.images.reference import reference_picture
from tools.images.stamp import label_and_save
from tools.registry import BackendInfo, MissingModelError

INFO = BackendInfo(
    name="diffusers",
    kind="images",
    packages=("diffusers", "torch", "transformers"),
    extra="diffusers",
    local=True,
    model_is_path=True,
)


def generation_size(request_width: int, request_height: int, height: int) -> tuple[int, int]:
    """The request's aspect at `height` pixels tall, both sides rounded to a multiple of 8 (at least 8)."""

    def to8(value: float) -> int:
        return max(8, int(value / 8 + 0.5) * 8)  # half up, not to even

    return to8(height * request_width / request_height), to8(height)


class DiffusersBackend:
    """Text-to-image with a diffusers pipeline, loaded once on first use and kept."""

    info = INFO

    def __init__(
        self,
        model: str | Path,
        height: int = 512,
        num_inference_steps: int = 20,
        guidance_scale: float = 7.0,
        strength: float = 0.6,
        device: str = "cpu",
        local_files_only: bool | None = None,
    ):
        if not str(model or "").strip():
            raise MissingModelError("the images backend 'diffusers' needs a model: diffusers:<local model folder>")
        self.model = str(model)
        self.height = int(height)
        self.num_inference_steps = int(num_inference_steps)
        self.guidance_scale = float(guidance_scale)
        if not 0.0 < float(strength) <= 1.0:
            raise ConfigError(f"the images backend 'diffusers' takes a strength in (0, 1], got {strength}")
        self.strength = float(strength)
        self.device = device
        # a folder on disk never needs the hub; anything else is a hub id only when asked for
        folder = Path(self.model).is_dir()
        self.local_files_only = folder if local_files_only is None else local_files_only
        if not folder and local_files_only is not False:
            raise MissingModelError(
                f"the images backend 'diffusers' finds no model folder at {self.model} "
                "(a hub id is fetched only with local_files_only = false)"
            )
        self._pipeline = None
        self._from_image = None

    def models(self) -> list[str]:
        # a local folder is named by its folder name only: the label must not carry a user's paths
        name = Path(self.model).name if Path(self.model).is_dir() else self.model
        return [f"diffusers:{name}"]

    def _load(self):
        if self._pipeline is None:
            from diffusers import AutoPipelineForText2Image

            try:
                # float32, the default dtype: CPU kernels for half precision are slow or missing
                pipeline = AutoPipelineForText2Image.from_pretrained(self.model, local_files_only=self.local_files_only)
            except (OSError, ValueError) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ModelUnavailableError(f"cannot load the diffusers model '{self.model}': {first}") from None
            pipeline.set_progress_bar_config(disable=True)
            self._pipeline = pipeline.to(self.device)
        return self._pipeline

    def _image_to_image(self):
        """The image-to-image pipeline over the loaded text-to-image pipeline's components (made once)."""
        if self._from_image is None:
            from diffusers import AutoPipelineForImage2Image

            try:
                self._from_image = AutoPipelineForImage2Image.from_pipe(self._load())
            except ValueError as exc:
                raise ModelUnavailableError(
                    f"the diffusers model '{self.model}' has no image-to-image form: {exc}"
                ) from None
            self._from_image.set_progress_bar_config(disable=True)
        return self._from_image

    def render(self, request: ImageRequest, out: Path) -> Path:
        import torch
        from PIL import Image

        width, height = generation_size(request.width, request.height, self.height)
        generator = torch.Generator(device="cpu").manual_seed(request.generation_seed)
        reference = request.reference_image
        common = {
            "prompt": request.prompt_with_looks(),
            "negative_prompt": request.negative_prompt or None,
            "num_inference_steps": self.num_inference_steps,
            "guidance_scale": self.guidance_scale,
            "generator": generator,
        }
        with torch.inference_mode():
            if reference is None:
                result = self._load()(width=width, height=height, **common)
            else:
                start = reference_picture(reference, (width, height))
                result = self._image_to_image()(image=start, strength=self.strength, **common)
        image = result.images[0].convert("RGB")
        if image.size != (request.width, request.height):
            image = image.resize((request.width, request.height), Image.Resampling.LANCZOS)
        return label_and_save(image, request, out, self.models())
