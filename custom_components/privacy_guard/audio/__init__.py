"""Room microphone: voice activity heard on this machine, never stored or sent.

`vad` holds the pure processing (format conversion, 10 ms chunking, the
pymicro-vad stream and the speech smoother) and imports nothing from Home
Assistant; `sources` brings PCM in from a Wyoming mic server or through
ffmpeg; `listener` ties a source to the detector and reports speech.
"""
