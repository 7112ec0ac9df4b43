"""Where the hand is in the real SR305 frames, marked by a person (for the localisation tests).

Each box (left, top, right, bottom, in image pixels) holds the palm and the fingers, up to the wrist crease but not
the forearm. They were read off each frame drawn in false colour over a 20-pixel grid, without the localiser's
output on it: good to about 10 pixels, which is all the tests ask of them.
"""

SR305_HAND_BOXES_PX: dict[str, tuple[int, int, int, int]] = {
    "sr305/20210326-230536/30.png": (205, 260, 345, 385),
    "sr305/20210326-230536/50.png": (195, 210, 345, 342),
    "sr305/20210326-230536/70.png": (215, 180, 355, 330),
    "sr305/20210326-230536/90.png": (262, 135, 380, 325),
    "sr305/20210326-230536/110.png": (200, 160, 385, 312),
    "sr305/20210326-230536/130.png": (205, 160, 365, 308),
    "sr305/20210326-230536/150.png": (215, 150, 380, 338),
    "sr305/20210326-230536/170.png": (185, 185, 325, 330),
    "sr305/20210326-231615/0.png": (215, 208, 322, 345),
    "sr305/20210326-231615/20.png": (275, 220, 385, 345),
    "sr305/20210326-231615/40.png": (255, 222, 372, 350),
    "sr305/20210326-231615/60.png": (265, 203, 377, 352),
    "sr305/20210326-231615/80.png": (263, 205, 380, 350),
    "sr305/20210326-231615/100.png": (267, 203, 373, 350),
    "sr305/20210326-231615/140.png": (263, 198, 367, 352),
    "sr305/20210326-231615/160.png": (277, 202, 395, 352),
    "sr305/20210326-231615/180.png": (275, 198, 402, 342),
    "sr305/20210326-231615/200.png": (285, 186, 395, 340),
    "sr305/20210326-231615/220.png": (303, 194, 402, 342),
}
