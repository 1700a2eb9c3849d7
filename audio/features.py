"""Spectral features computed once per track and shared by every analysis step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOP = 512
N_FFT = 2048
FINE_HOP = 128
LOW_BANDS = 10  # mel bands below ~200 Hz: kick drums and bass notes


@dataclass(frozen=True)
class Features:
    """Frame-level features at `HOP` samples per frame (23 ms at 22.05 kHz).

    Shapes: `mel_db` (128, n), `chroma` (12, n), `mfcc` (13, n), `rms` (n,),
    `onset` and `low_onset` (n,), `fine_onset` (m,) at `FINE_HOP`.
    """

    sr: int
    mel_db: np.ndarray
    chroma: np.ndarray
    mfcc: np.ndarray
    rms: np.ndarray
    onset: np.ndarray
    low_onset: np.ndarray
    fine_onset: np.ndarray

    @property
    def frame_rate(self) -> float:
        return self.sr / HOP

    def times(self, n: int | None = None) -> np.ndarray:
        count = self.onset.size if n is None else n
        return np.arange(count) * HOP / self.sr


def compute_features(y: np.ndarray, sr: int) -> Features:
    """One STFT, then mel, chroma, MFCC, loudness and onset envelopes from it."""
    import librosa

    stft = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP)) ** 2
    mel = librosa.feature.melspectrogram(S=stft, sr=sr, n_mels=128, fmax=sr / 2)
    mel_db = librosa.power_to_db(mel, ref=np.max)
    chroma = librosa.feature.chroma_stft(S=stft, sr=sr)
    mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=13)
    rms = np.sqrt(np.maximum(mel.sum(axis=0), 0) / mel.shape[0])
    onset = librosa.onset.onset_strength(S=mel_db, sr=sr, hop_length=HOP, aggregate=np.median)
    low = librosa.onset.onset_strength(S=mel_db[:LOW_BANDS], sr=sr, hop_length=HOP)
    fine = librosa.onset.onset_strength(y=y, sr=sr, hop_length=FINE_HOP, n_fft=1024)
    n = min(onset.size, low.size, chroma.shape[1])
    return Features(
        sr=sr,
        mel_db=mel_db[:, :n],
        chroma=chroma[:, :n],
        mfcc=mfcc[:, :n],
        rms=rms[:n],
        onset=onset[:n],
        low_onset=low[:n],
        fine_onset=fine,
    )
