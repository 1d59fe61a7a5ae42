"""图片版 reports: a PDF printed, scanned and saved as images only (no text layer).

Pages are rasterized with pypdfium2 at ``SCAN_DPI``, turned to grey with a faint tilt and noise
like a desk scanner, and written back as one JPEG image per PDF page.
"""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
from PIL import Image, ImageFilter

SCAN_DPI = 150


def render_scan(pdf: bytes, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    doc = pdfium.PdfDocument(pdf)
    pages: list[Image.Image] = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            image = page.render(scale=SCAN_DPI / 72, grayscale=True).to_pil().convert("L")
            page.close()
            image = image.rotate(rng.uniform(-0.4, 0.4), resample=Image.Resampling.BICUBIC, fillcolor=255)
            image = image.filter(ImageFilter.GaussianBlur(0.4))
            pages.append(image)
    finally:
        doc.close()
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=SCAN_DPI, quality=80)
    return out.getvalue()
