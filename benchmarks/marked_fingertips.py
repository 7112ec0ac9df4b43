"""Fingertips in the real frames of ../shared/data, marked by a person (for benchmarks/real_fingertips.py).

Image pixels (u, v) of the end of each finger that is stretched out in the image plane. Marked from each frame in
false colour on a 20-pixel grid: the end points of the hand's outline (the farthest points from the palm along it)
were numbered by a script, and a person said which finger each one is (the thumb by its shape, the others in
order from it) or left it out. Left out: fingers bent towards the camera (their ends markedly nearer than the
palm: the outline's end is a knuckle, not the tip), fingers folded into the palm, and whole frames with no
stretched finger (awr/2022-03-23-0/frame_2, awr/2022-03-23-1/frame_2 to frame_4: fingers curled towards the
camera or a fist). Good to about 3 pixels along the outline; the end of the outline is where the hand model's
fingertip joint is (the end of the finger, not its last joint).

The SR305 frames are right hands seen palm first (the first sequence with the fingers spread and stretched, the
second counting gestures with some fingers bent); in the close-range D400-class frames the thumb lies on the other
side in most frames (a left hand palm first, or a right hand from the back; the recordings do not say).
"""

FINGERS = ("thumb", "index", "middle", "ring", "little")

# frame -> (u, v) of the thumb, index, middle, ring and little fingertip, in that order; None: not marked
MARKED_FINGERTIPS_PX: dict[str, tuple[tuple[int, int] | None, ...]] = {
    "sr305/20210326-230536/30.png": ((252, 263), (207, 334), (209, 367), (224, 378), (253, 389)),
    "sr305/20210326-230536/50.png": ((261, 213), (205, 280), (199, 314), (209, 328), (238, 344)),
    "sr305/20210326-230536/70.png": ((346, 204), (266, 184), (231, 198), (222, 215), (219, 248)),
    "sr305/20210326-230536/90.png": ((388, 236), (361, 157), (324, 136), (304, 141), (276, 162)),
    "sr305/20210326-230536/110.png": ((330, 313), (381, 229), (372, 181), (351, 167), (312, 161)),
    "sr305/20210326-230536/130.png": ((245, 307), (340, 292), (370, 252), (367, 220), (346, 188)),
    "sr305/20210326-230536/150.png": ((220, 265), (290, 334), (343, 336), (365, 318), (379, 278)),
    "sr305/20210326-230536/170.png": ((200, 202), (189, 285), (212, 321), (236, 327), (273, 324)),
    "sr305/20210326-231615/0.png": (None, (296, 220), (256, 212), (237, 221), (218, 254)),
    "sr305/20210326-231615/20.png": ((387, 292), None, (329, 227), (304, 225), (284, 252)),
    "sr305/20210326-231615/40.png": ((367, 317), None, None, (280, 229), (258, 258)),
    "sr305/20210326-231615/60.png": ((376, 314), None, (303, 206), (286, 216), (272, 243)),
    "sr305/20210326-231615/80.png": (None, (352, 209), None, None, (267, 242)),
    "sr305/20210326-231615/100.png": (None, (353, 207), None, None, None),
    "sr305/20210326-231615/140.png": (None, (341, 209), (300, 201), (284, 218), None),
    "sr305/20210326-231615/160.png": ((397, 271), (338, 210), (297, 205), None, None),
    "sr305/20210326-231615/180.png": ((401, 270), None, (331, 207), (307, 202), (279, 231)),
    "sr305/20210326-231615/200.png": ((399, 251), (346, 194), (309, 191), None, None),
    "sr305/20210326-231615/220.png": (None, (379, 207), (341, 197), None, None),
    "awr/2022-03-23-0/frame_0_depth_mm.png": ((488, 282), (386, 71), (296, 39), (199, 73), (115, 161)),
    "awr/2022-03-23-0/frame_1_depth_mm.png": ((444, 296), (391, 117), (309, 75), (228, 120), (150, 202)),
    "awr/2022-03-23-1/frame_0_depth_mm.png": ((167, 317), (234, 104), (305, 67), (389, 74), (499, 138)),
    "awr/2022-03-23-1/frame_1_depth_mm.png": ((194, 341), (224, 141), (306, 86), (405, 111), None),
    "awr/2022-03-23-1/frame_5_depth_mm.png": ((185, 301), (244, 132), (315, 99), (400, 116), (492, 194)),
    "awr/initial/frame_0_depth_mm.png": ((186, 282), (250, 111), (330, 81), (412, 101), (502, 177)),
    "awr/initial/frame_1_depth_mm.png": ((151, 254), None, (320, 70), (386, 77), (463, 153)),
    "awr/initial/frame_2_depth_mm.png": ((160, 255), (234, 83), None, None, (488, 158)),
    "awr/initial/frame_3_depth_mm.png": ((162, 255), (233, 82), None, None, (486, 143)),
    "awr/initial/frame_4_depth_mm.png": ((170, 261), (236, 97), (323, 57), None, None),
    "awr/initial/frame_5_depth_mm.png": (None, (199, 106), (291, 65), (379, 77), (482, 163)),
    "awr/root/frame_0_depth_mm.png": ((151, 312), (209, 96), (276, 57), (369, 55), (471, 107)),
    "awr/root/frame_1_depth_mm.png": ((148, 309), (209, 98), (275, 57), (366, 57), (470, 109)),
    "awr/root/frame_2_depth_mm.png": ((171, 323), (206, 125), (277, 81), None, None),
    "awr/root/frame_3_depth_mm.png": ((191, 314), None, None, None, None),
    "awr/root/frame_4_depth_mm.png": ((206, 303), None, None, None, None),
    "awr/root/frame_5_depth_mm.png": ((198, 318), (210, 141), (279, 82), None, None),
}
