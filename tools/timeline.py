"""The cut as an OpenTimelineIO timeline, for editing software.

One video track of stills (one clip per shot, with a dissolve between clips
when the cut cross-fades), one audio track of dialogue (one clip per spoken
line at its absolute time, gaps between), and a music track when the cut has a
bed. Times are whole frames at the cut's frame rate, on the same grid the
video renderer uses, so the timeline lines up with the MP4 frame for frame.

Metadata: the timeline carries the AIGC label under METADATA_KEY and the room's
provenance under PROVENANCE_KEY (`tools.labels`); each clip
carries what an editor needs to rebuild the look under "writers_room" (the
shot id and camera move of a still, the speaker and subtitle text of a line).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import opentimelineio as otio
from opentimelineio.adapters.file_bundle_utils import MediaReferencePolicy

from tools.cut import Cut, CutClip
from tools.files import atomic_target, inside
from tools.labels import METADATA_KEY, PROVENANCE_KEY

NAMESPACE = "writers_room"  # OTIO metadata is namespaced by the application that wrote it


def _url(path: Path, relative_to: Path | None) -> str:
    """An absolute file URL, or a POSIX path relative to `relative_to` (portable with its folder)."""
    path = Path(path).resolve()
    if relative_to is None:
        return otio.url_utils.url_from_filepath(str(path))
    return Path(os.path.relpath(path, Path(relative_to).resolve())).as_posix()


def _frames(count: int, fps: int) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(otio.opentime.RationalTime(0, fps), otio.opentime.RationalTime(count, fps))


def _video_track(cut: Cut, clips: list[CutClip], relative_to: Path | None) -> otio.schema.Track:
    fps = cut.fps
    bounds, halves = cut.frame_bounds(), cut.half_transitions()
    track = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    for i, clip in enumerate(clips):
        half = halves[i]
        if half > 0:  # a dissolve centred on the cut, using still frames past each clip's end
            track.append(
                otio.schema.Transition(
                    name="Dissolve",
                    transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=otio.opentime.RationalTime(half, fps),
                    out_offset=otio.opentime.RationalTime(half, fps),
                )
            )
        track.append(
            otio.schema.Clip(
                name=clip.shot_id,
                media_reference=otio.schema.ExternalReference(target_url=_url(clip.image, relative_to)),
                source_range=_frames(bounds[i + 1] - bounds[i], fps),
                metadata={
                    NAMESPACE: {
                        "shot_id": clip.shot_id,
                        "camera": clip.camera,
                        "start": clip.start,
                        "duration": clip.duration,
                    }
                },
            )
        )
    return track


def _dialogue_track(cut: Cut, total: int, relative_to: Path | None) -> otio.schema.Track:
    fps = cut.fps
    track = otio.schema.Track(name="Dialogue", kind=otio.schema.TrackKind.Audio)
    at = 0  # the frame the track has reached
    for start, line in sorted(cut.spoken(), key=lambda item: item[0]):
        first = max(round(start * fps), at)
        last = min(max(round((start + line.duration) * fps), first + 1), total)
        if last <= first:
            continue  # starts after the picture ends
        if first > at:
            track.append(otio.schema.Gap(source_range=_frames(first - at, fps)))
        length = round(line.duration * fps)
        track.append(
            otio.schema.Clip(
                name=f"{line.speaker}: {line.text}"[:80],
                media_reference=otio.schema.ExternalReference(
                    target_url=_url(line.audio, relative_to), available_range=_frames(max(length, 1), fps)
                ),
                source_range=_frames(last - first, fps),
                metadata={
                    NAMESPACE: {
                        "speaker": line.speaker,
                        "subtitle": line.text,
                        "start": start,
                        "duration": line.duration,
                    }
                },
            )
        )
        at = last
    return track


def to_otio(cut: Cut, *, name: str, relative_to: Path | None = None) -> otio.schema.Timeline:
    """The cut as a timeline. Media references are absolute file URLs, or, with `relative_to`, paths relative to
    that folder (stills, audio and music alike; pass the folder the .otio file is written to, so the folder can
    be moved with its media)."""
    clips = cut.ordered()
    fps = cut.fps
    timeline = otio.schema.Timeline(name=name, global_start_time=otio.opentime.RationalTime(0, fps))
    label = cut.label(name, "timeline")
    timeline.metadata[METADATA_KEY] = label[METADATA_KEY]
    timeline.metadata[PROVENANCE_KEY] = label.get(PROVENANCE_KEY, {})
    timeline.metadata[NAMESPACE] = {
        "title": cut.title,
        "lang": cut.lang,
        "width": cut.width,
        "height": cut.height,
        "fps": fps,
        "transition": cut.transition,
        "duration": cut.duration,
    }
    if not clips:
        return timeline
    total = cut.frame_bounds()[-1]
    timeline.tracks.append(_video_track(cut, clips, relative_to))
    timeline.tracks.append(_dialogue_track(cut, total, relative_to))
    if cut.music is not None:
        music = otio.schema.Track(name="Music", kind=otio.schema.TrackKind.Audio)
        music.append(
            otio.schema.Clip(
                name="Music",
                source_range=_frames(total, fps),
                media_reference=otio.schema.ExternalReference(target_url=_url(cut.music, relative_to)),
                metadata={NAMESPACE: {"ducked_under_speech": True}},
            )
        )
        timeline.tracks.append(music)
    return timeline


def write_otio(cut: Cut, path: Path, *, name: str, relative_to: Path | None = None) -> Path:
    """`to_otio` saved as .otio JSON, atomically: a temp file in the same folder, then a rename."""
    timeline = to_otio(cut, name=name, relative_to=relative_to)
    with atomic_target(path) as tmp:
        otio.adapters.write_to_file(timeline, str(tmp), adapter_name="otio_json")
    return Path(path)


def media_references(timeline: otio.schema.Timeline, folder: Path) -> Iterator[tuple[otio.schema.Clip, Path]]:
    """Every clip with a file of its own, and that file: a file URL as it is, a relative path from `folder` (the
    .otio file's)."""
    for clip in timeline.find_clips():
        reference = clip.media_reference
        if isinstance(reference, otio.schema.ExternalReference) and reference.target_url:
            url = reference.target_url
            yield clip, Path(otio.url_utils.filepath_from_url(url)) if url.startswith("file:") else folder / url


def _owned(timeline: otio.schema.Timeline, source: Path, root: Path) -> Iterator[tuple[otio.schema.Clip, Path, Path]]:
    """The clips whose media is a file under `root`, with the file and its path in `root`. A clip whose media is
    anywhere else (an edited timeline's) loses it: no file outside the run is ever copied or bundled."""
    root = root.resolve()
    for clip, path in media_references(timeline, source.parent):
        resolved = path.resolve()
        if resolved.is_relative_to(root) and resolved.is_file():
            yield clip, resolved, resolved.relative_to(root)
        else:
            clip.media_reference = otio.schema.MissingReference(name=clip.name)


def export_timeline(source: Path, dest: Path, root: Path, dest_root: Path) -> list[Path]:
    """Copy the timeline `source` to `dest` with the media it uses from `root` (the run's folder), each to the same
    place under `dest_root`, and its references made relative to `dest`: the exported folder opens anywhere.
    Returns the media files copied."""
    timeline = otio.adapters.read_from_file(str(source))
    copied = []
    for clip, path, relative in _owned(timeline, source, root):
        media = inside(dest_root, relative)
        if not media.is_file() or media.stat().st_size != path.stat().st_size:
            with atomic_target(media) as tmp:
                shutil.copyfile(path, tmp)
        clip.media_reference.target_url = Path(os.path.relpath(media, dest.parent)).as_posix()
        copied.append(media)
    with atomic_target(dest) as tmp:
        otio.adapters.write_to_file(timeline, str(tmp), adapter_name="otio_json")
    return copied


def bundle_timeline(source: Path, dest: Path, root: Path) -> Path:
    """The timeline `source` and the media it uses from `root` as one .otioz file (OpenTimelineIO's zip bundle:
    the media inside, referenced relative to it)."""
    timeline = otio.adapters.read_from_file(str(source))
    for clip, path, _ in _owned(timeline, source, root):
        clip.media_reference.target_url = otio.url_utils.url_from_filepath(str(path))
    with atomic_target(dest) as tmp:
        tmp.unlink()  # the bundle adapter will not write over a file
        otio.adapters.write_to_file(
            timeline, str(tmp), adapter_name="otioz", media_policy=MediaReferencePolicy.MissingIfNotFile
        )
    return Path(dest)
