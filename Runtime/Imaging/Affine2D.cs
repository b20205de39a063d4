using System;
using System.Numerics;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// A 2×3 affine map in double precision, laid out as OpenCV's warpAffine matrix:
    /// <c>x' = M00·x + M01·y + M02</c>, <c>y' = M10·x + M11·y + M12</c>.
    /// </summary>
    public readonly struct Affine2D
    {
        public readonly double M00, M01, M02, M10, M11, M12;

        public Affine2D(double m00, double m01, double m02, double m10, double m11, double m12)
        {
            M00 = m00; M01 = m01; M02 = m02; M10 = m10; M11 = m11; M12 = m12;
        }

        /// <summary>Maps a point.</summary>
        public Vector2 Apply(Vector2 p) => new Vector2((float)(M00 * p.X + M01 * p.Y + M02), (float)(M10 * p.X + M11 * p.Y + M12));

        /// <summary>The inverse map, computed as OpenCV's invertAffineTransform (a singular map gives all zeros).</summary>
        public Affine2D Invert()
        {
            double d = M00 * M11 - M01 * M10;
            d = d != 0 ? 1.0 / d : 0;
            double a11 = M11 * d, a22 = M00 * d, a12 = -M01 * d, a21 = -M10 * d;
            double b1 = -a11 * M02 - a12 * M12, b2 = -a21 * M02 - a22 * M12;
            return new Affine2D(a11, a12, b1, a21, a22, b2);
        }

        /// <summary>The six values row by row.</summary>
        public double[] ToArray() => new[] { M00, M01, M02, M10, M11, M12 };

        public override string ToString() => FormattableString.Invariant($"[[{M00}, {M01}, {M02}], [{M10}, {M11}, {M12}]]");
    }
}
