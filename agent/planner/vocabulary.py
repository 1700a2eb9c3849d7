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
    "lyric": {
        "locations": [
            "empty city street at dusk with soft bokeh lights",
            "misty shoreline under a low sky",
            "quiet bedroom lit by a window",
        ],
        "characters": [],
        "style": (
            "atmospheric cinematic backdrop, soft focus, shallow depth of field, calm open"
            " lower third for lyrics"
        ),
        "props": [
            "raindrops on a window",
            "a candle flame in the dark",
            "dust drifting in a light beam",
        ],
    },
    "shorts": {
        "locations": ["rooftop at golden hour above the city", "neon-lit street at night"],
        "characters": [("the artist", "the artist in a bold statement jacket")],
        "style": (
            "vertical phone-first music video, punchy contrast, saturated colour, crisp detail"
        ),
        "props": [
            "a microphone in a tight grip",
            "sneakers hitting wet pavement",
            "a neon sign flicker",
        ],
    },
    "story": {
        "locations": ["city street with wet asphalt", "neon rooftop above the city"],
        "characters": [
            ("the lead", "the lead, a young woman in a long coat"),
            ("the stranger", "a stranger in a dark jacket"),
        ],
        "style": "cinematic 35mm film still, anamorphic look, fine film grain",
        "props": ["a flickering neon sign", "a cassette player", "a rain-streaked window"],
    },
    "performance": {
        "locations": ["club stage in haze"],
        "characters": [
            ("the singer", "the singer in a sequined jacket"),
            ("the band", "the band behind the singer"),
        ],
        "style": "concert photography, hard rim light, haze, high contrast",
        "props": ["a vintage microphone", "a drum kit under strobes", "a guitar neck and strings"],
    },
    "abstract": {
        "locations": ["abstract space of light and geometry"],
        "characters": [],
        "style": "abstract motion graphics, bold geometric forms, clean gradients",
        "props": ["a glowing ring", "a pair of interlocking triangles", "a field of dots"],
    },
}

ACTIONS: dict[str, dict[str, list[str]]] = {
    "lyric": {
        "intro": ["glows softly in the haze", "drifts slowly out of focus"],
        "verse": ["flickers gently", "catches the evening light"],
        "chorus": ["blooms with warm light", "shimmers in the wind"],
        "bridge": ["fades into mist", "hangs in stillness"],
        "outro": ["dims to darkness", "fades into the night"],
    },
    "shorts": {
        "intro": ["looks straight into the lens", "steps into the light"],
        "verse": ["sings straight to camera", "walks toward the lens"],
        "chorus": ["jumps on the downbeat", "spins to face the camera", "sings with arms raised"],
        "bridge": ["leans in close, singing softly", "turns away, then back"],
        "outro": ["smiles and walks out of frame", "points at the lens"],
    },
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
    "lyric": ["wide", "medium", "insert", "wide", "close-up", "insert"],
    "shorts": ["close-up", "medium", "extreme-close-up", "medium", "insert", "close-up"],
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

# How far near and far parts of a frame move apart under the camera move (the motion adapter's
# parallax, 0…1): wide shots have the deepest space, extreme close-ups almost none.
PARALLAX_BY_SHOT: dict[str, float] = {
    "wide": 1.0,
    "medium": 0.8,
    "close-up": 0.6,
    "extreme-close-up": 0.3,
    "insert": 0.5,
}
DEFAULT_PARALLAX = 0.6

# Prompt craft (Flux.2 guide): concrete surfaces that carry the palette's hex colours, most
# visible first, by a word found in the location's description; lighting by time of day; lens,
# angle and depth of field by shot type.
SURFACES: dict[str, list[str]] = {
    "rooftop": [
        "neon signs",
        "wet rooftop concrete",
        "the city skyline",
        "a steel water tower",
        "the rooftop railing",
        "low clouds",
    ],
    "street": [
        "neon shop signs",
        "the wet asphalt",
        "glowing shop windows",
        "passing taillights",
        "puddles on the kerb",
        "drifting steam",
    ],
    "subway": [
        "fluorescent tubes",
        "the tiled walls",
        "the platform edge",
        "a passing train",
        "the station signs",
        "tunnel haze",
    ],
    "desert": [
        "the wide sky",
        "the long dunes",
        "a cracked salt flat",
        "distant mesas",
        "wind-blown sand",
        "heat shimmer",
    ],
    "forest": [
        "shafts of light",
        "the mossy ground",
        "tall pine trunks",
        "a bed of ferns",
        "fallen needles",
        "low mist",
    ],
    "beach": [
        "the open sky",
        "the wet sand",
        "breaking waves",
        "a lifeguard tower",
        "sea foam",
        "salt spray",
    ],
    "stage": [
        "the stage lights",
        "the stage floor",
        "the speaker stacks",
        "sweeping laser beams",
        "the drum riser",
        "thick haze",
    ],
    "studio": [
        "a single key light",
        "the concrete floor",
        "a paper backdrop",
        "a chrome light stand",
        "a wooden stool",
        "soft haze",
    ],
    "warehouse": [
        "tall windows",
        "the concrete floor",
        "brick walls",
        "steel beams",
        "stacked crates",
        "dust in the air",
    ],
    "mountain": [
        "the open sky",
        "the rocky ridge",
        "a sea of clouds",
        "distant peaks",
        "patches of snow",
        "thin mist",
    ],
    "car": [
        "the dashboard glow",
        "the leather seats",
        "passing streetlights",
        "the windshield",
        "the steering wheel",
        "raindrops on the glass",
    ],
    "abstract": [
        "glowing light",
        "a mirror-like floor",
        "floating planes",
        "thin vector lines",
        "soft gradients",
        "drifting particles",
    ],
    "set": [
        "the key light",
        "the ground",
        "the back wall",
        "small set props",
        "the rim light",
        "atmospheric haze",
    ],
}
SURFACE_WORDS: dict[str, str] = {
    "rooftop": "rooftop",
    "street": "street",
    "city": "street",
    "alley": "street",
    "road": "street",
    "subway": "subway",
    "platform": "subway",
    "desert": "desert",
    "forest": "forest",
    "beach": "beach",
    "ocean": "beach",
    "shore": "beach",
    "shoreline": "beach",
    "club": "stage",
    "stage": "stage",
    "studio": "studio",
    "warehouse": "warehouse",
    "mountain": "mountain",
    "car": "car",
    "highway": "car",
    "abstract": "abstract",
    "geometry": "abstract",
}

TIME_PHRASES: dict[str, str] = {
    "night": "at night",
    "dusk": "at dusk",
    "dawn": "at dawn",
    "day": "by day",
}
LIGHTING: dict[str, str] = {
    "night": "moody low-key light with deep shadows",
    "dusk": "warm golden-hour backlight",
    "dawn": "soft pale dawn light",
    "day": "bright natural daylight",
}

CAMERA_DETAILS: dict[str, tuple[str, str, str]] = {  # (angle, lens, depth of field)
    "wide": ("eye level", "24mm wide-angle lens", "deep focus"),
    "medium": ("eye level", "50mm lens", "subject sharp against a soft background"),
    "close-up": ("slightly low angle", "85mm portrait lens", "shallow depth of field"),
    "extreme-close-up": ("straight on", "100mm macro lens", "razor-thin focus"),
    "insert": ("top-down", "macro lens", "crisp detail, softly blurred surroundings"),
}
POSITIONS: dict[str, str] = {
    "center": "centered in the frame",
    "left-third": "on the left third of the frame",
    "right-third": "on the right third of the frame",
}
