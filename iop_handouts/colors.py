"""Colour contrast as WCAG 2 defines it (relative luminance), for brand colours and checks."""


def parse_hex_color(text: str) -> tuple[int, int, int]:
    value = text.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise ValueError(f"not a hex colour: {text}")
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def device_cmyk(hex_color: str) -> str:
    """A CSS device-cmyk() colour for an sRGB hex colour (plain conversion, no profile)."""
    r, g, b = (c / 255 for c in parse_hex_color(hex_color))
    k = 1 - max(r, g, b)
    if k >= 1:
        return "device-cmyk(0 0 0 1)"
    c, m, y = ((1 - v - k) / (1 - k) for v in (r, g, b))
    return f"device-cmyk({c:.3f} {m:.3f} {y:.3f} {k:.3f})"
