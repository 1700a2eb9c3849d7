"""Words the rules planner draws from: colours, places, looks and actions per template."""

COLOR_WORDS: dict[str, str] = {
    "red": "#D62828",
    "crimson": "#B0122B",
    "orange": "#F77F00",
    "amber": "#FFB703",
    "gold": "#E9C46A",
    "yellow": "#FFD60A",
    "green": "#2A9D8F",
    "emerald": "#06A77D",
    "teal": "#128C8C",
    "cyan": "#00B4D8",
    "blue": "#1D4ED8",
    "navy": "#14213D",
    "purple": "#7B2CBF",
    "violet": "#8338EC",
    "magenta": "#D6008F",
    "pink": "#FF6FB5",
    "white": "#F1FAEE",
    "black": "#111111",
    "silver": "#C0C7D1",
    "neon": "#FF2E88",
}

_EUPHORIC = ["#FF2E88", "#00E5FF", "#14213D", "#FFD60A"]
_DRIVING = ["#E63946", "#1D3557", "#F1FAEE", "#FFB703"]
_WARM = ["#F4A261", "#E76F51", "#264653", "#E9C46A"]
_WISTFUL = ["#457B9D", "#A8DADC", "#1D3557", "#F1FAEE"]
_DARK = ["#3D2C8D", "#0B0C10", "#C5C6C7", "#66FCF1"]
MOOD_PALETTES: dict[str, list[str]] = {
    "euphoric": _EUPHORIC,
    "uplifting": _EUPHORIC,
    "bright": _EUPHORIC,
    "driving": _DRIVING,
    "energetic": _DRIVING,
    "restless": _DRIVING,
    "warm": _WARM,
    "anthemic": _WARM,
    "intimate": _WARM,
    "wistful": _WISTFUL,
    "calm": _WISTFUL,
    "dreamy": _WISTFUL,
    "melancholic": _WISTFUL,
    "dark": _DARK,
    "tense": _DARK,
}

LOCATION_WORDS: dict[str, str] = {
    "rooftop": "neon rooftop above the city",
    "city": "city street with wet asphalt",
    "street": "city street with wet asphalt",
    "subway": "empty subway platform",
    "desert": "open desert with long dunes",
    "forest": "misty pine forest",
    "beach": "wide beach at the waterline",
    "ocean": "wide beach at the waterline",
    "club": "packed club stage in haze",
    "stage": "club stage under hard light",
    "studio": "bare studio with one key light",
    "warehouse": "abandoned warehouse with tall windows",
    "mountain": "mountain ridge above the clouds",
    "car": "car interior on a night highway",
}

TIME_WORDS: dict[str, str] = {
    "night": "night",
    "midnight": "night",
    "dusk": "dusk",
    "sunset": "dusk",
    "dawn": "dawn",
    "sunrise": "dawn",
    "morning": "day",
    "day": "day",
    "noon": "day",
}

PERSON_WORDS = (
    "woman",
    "man",
    "girl",
    "boy",
    "singer",
    "dancer",
    "drummer",
    "guitarist",
    "rapper",
    "couple",
    "kid",
    "stranger",
    "skater",
    "rider",
)

DEFAULTS: dict[str, dict[str, object]] = {
    "story": {
        "locations": ["city street with wet asphalt", "neon rooftop above the city"],
        "characters": [
            ("the lead", "the lead, a young woman in a long coat"),
            ("the stranger", "a stranger in a dark jacket"),
        ],
        "style": "cinematic 35mm film still, anamorphic lens, shallow depth of field",
        "props": ["a flickering neon sign", "a cassette player", "rain on a window"],
    },
    "performance": {
        "locations": ["club stage in haze"],
        "characters": [
            ("the singer", "the singer in a sequined jacket"),
            ("the band", "the band behind the singer"),
        ],
        "style": "concert photography, hard rim light, haze, high contrast",
        "props": ["a vintage microphone", "a drum kit under strobes", "guitar strings"],
    },
    "abstract": {
        "locations": ["abstract space of light and geometry"],
        "characters": [],
        "style": "abstract motion graphics, bold geometric forms, clean gradients",
        "props": ["a glowing ring", "interlocking triangles", "a field of dots"],
    },
}

ACTIONS: dict[str, dict[str, list[str]]] = {
    "story": {
        "intro": ["stands still, waiting", "looks out over the city"],
        "verse": [
            "walks alone through the crowd",
            "looks back over the shoulder",
            "reads a crumpled note",
        ],
        "chorus": ["runs toward the light", "spins with arms wide", "laughs into the wind"],
        "bridge": ["sits in silence", "closes the eyes and breathes"],
        "outro": ["walks away into the distance", "turns off the light"],
    },
    "performance": {
        "intro": ["steps up to the microphone", "tunes the guitar"],
        "verse": ["sings into the microphone", "sways with the groove"],
        "chorus": ["leaps on the downbeat", "sings with fists raised", "plays to the crowd"],
        "bridge": ["sings softly, eyes closed", "leans on the mic stand"],
        "outro": ["bows to the crowd", "walks off stage"],
    },
    "abstract": {
        "intro": ["fades in from darkness", "drifts slowly"],
        "verse": ["pulses in time", "rotates slowly"],
        "chorus": ["bursts into fragments", "multiplies across the frame"],
        "bridge": ["dissolves into mist", "hangs in the void"],
        "outro": ["collapses into a point", "fades to black"],
    },
}

SHOT_PATTERNS: dict[str, list[str]] = {
    "story": [
        "wide",
        "medium",
        "close-up",
        "medium",
        "insert",
        "close-up",
        "wide",
        "extreme-close-up",
    ],
    "performance": [
        "wide",
        "close-up",
        "medium",
        "extreme-close-up",
        "medium",
        "insert",
        "close-up",
    ],
    "abstract": ["wide", "insert", "close-up", "medium", "extreme-close-up", "wide"],
}

SHOT_PHRASES: dict[str, str] = {
    "wide": "Wide shot",
    "medium": "Medium shot",
    "close-up": "Close-up",
    "extreme-close-up": "Extreme close-up",
    "insert": "Insert shot",
}

CAMERA_BY_SHOT: dict[str, list[str]] = {
    "wide": ["pan-right", "pull-out", "pan-left"],
    "medium": ["push-in", "pan-left", "tilt-up"],
    "close-up": ["push-in", "static", "tilt-down"],
    "extreme-close-up": ["static", "push-in"],
    "insert": ["tilt-up", "push-in", "pan-right"],
}
