using System;
using System.Numerics;

namespace InstantIdAvatars.Pose
{
    /// <summary>
    /// The five face keypoints in pixels of an output image (origin top-left, x right, y down), in insightface's
    /// order: left eye, right eye, nose tip, left mouth corner, right mouth corner.
    /// </summary>
    /// <remarks>
    /// insightface names the points as they appear in the image: its "left eye" is the eye on the image's left in
    /// a frontal view, i.e. the subject's RIGHT eye (InstantID's reference <c>frontal</c> case and insightface's
    /// <c>arcface_dst</c> template both put point 0 at the smaller x). The order is semantic, not sorted: when the
    /// head turns past profile, point 0 can lie right of point 1. This is what IdentityNet's landmark map
    /// (<c>draw_kps</c>) consumes.
    /// </remarks>
    public readonly struct FaceKeypoints : IEquatable<FaceKeypoints>
    {
        /// <summary>Number of keypoints (5).</summary>
        public const int Count = 5;

        /// <summary>Creates the set from the five points in insightface order.</summary>
        public FaceKeypoints(Vector2 leftEye, Vector2 rightEye, Vector2 nose, Vector2 leftMouth, Vector2 rightMouth)
        {
            LeftEye = leftEye;
            RightEye = rightEye;
            Nose = nose;
            LeftMouth = leftMouth;
            RightMouth = rightMouth;
        }

        /// <summary>Point 0: the eye on the image's left in a frontal view (the subject's right eye).</summary>
        public Vector2 LeftEye { get; }

        /// <summary>Point 1: the eye on the image's right in a frontal view (the subject's left eye).</summary>
        public Vector2 RightEye { get; }

        /// <summary>Point 2: the nose tip.</summary>
        public Vector2 Nose { get; }

        /// <summary>Point 3: the mouth corner on the image's left in a frontal view (the subject's right).</summary>
        public Vector2 LeftMouth { get; }

        /// <summary>Point 4: the mouth corner on the image's right in a frontal view (the subject's left).</summary>
        public Vector2 RightMouth { get; }

        /// <summary>Point by insightface index 0..4.</summary>
        public Vector2 this[int index] => index switch
        {
            0 => LeftEye,
            1 => RightEye,
            2 => Nose,
            3 => LeftMouth,
            4 => RightMouth,
            _ => throw new ArgumentOutOfRangeException(nameof(index), index, "Keypoint index must be 0..4."),
        };

        /// <summary>Distance between the two eyes, in pixels.</summary>
        public float InterOcularDistance => Vector2.Distance(LeftEye, RightEye);

        /// <summary>The points as a new array of five, in insightface order (the layout <c>draw_kps</c> takes).</summary>
        public Vector2[] ToArray() => new[] { LeftEye, RightEye, Nose, LeftMouth, RightMouth };

        /// <summary>Builds the set from exactly five points in insightface order.</summary>
        public static FaceKeypoints FromArray(ReadOnlySpan<Vector2> points)
        {
            if (points.Length != Count)
                throw new InstantIdException("Face keypoints need exactly 5 points (left eye, right eye, nose, left mouth, right mouth); got " + points.Length + ".");
            return new FaceKeypoints(points[0], points[1], points[2], points[3], points[4]);
        }

        /// <inheritdoc/>
        public bool Equals(FaceKeypoints other) =>
            LeftEye.Equals(other.LeftEye) && RightEye.Equals(other.RightEye) && Nose.Equals(other.Nose) &&
            LeftMouth.Equals(other.LeftMouth) && RightMouth.Equals(other.RightMouth);

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is FaceKeypoints other && Equals(other);

        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(LeftEye, RightEye, Nose, LeftMouth, RightMouth);

        /// <inheritdoc/>
        public override string ToString() => "[" + LeftEye + ", " + RightEye + ", " + Nose + ", " + LeftMouth + ", " + RightMouth + "]";

        /// <summary>Human-readable names by index, for messages.</summary>
        internal static readonly string[] Names =
        {
            "left eye (image-left, the subject's right eye)",
            "right eye (image-right, the subject's left eye)",
            "nose tip",
            "left mouth corner (the subject's right)",
            "right mouth corner (the subject's left)",
        };
    }
}
