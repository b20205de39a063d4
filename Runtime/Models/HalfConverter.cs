using System;

namespace InstantIdAvatars.Models
{
    /// <summary>
    /// IEEE 754 binary16 &lt;-&gt; binary32 conversion by bit manipulation (netstandard2.1 has no System.Half).
    /// Float to half rounds to nearest, ties to even, like numpy's astype(float16) and CUDA's __float2half_rn;
    /// overflow gives infinity, NaN stays NaN (quiet).
    /// </summary>
    internal static class HalfConverter
    {
        static float[]? _table;

        // All 65536 half values as floats (256 KB), for fast bulk conversion of model outputs.
        static float[] Table
        {
            get
            {
                var table = _table;
                if (table != null) return table;
                table = new float[65536];
                for (int i = 0; i < table.Length; i++) table[i] = ToFloat((ushort)i);
                return _table = table;
            }
        }

        /// <summary>Converts one float to half bits.</summary>
        public static ushort FromFloat(float value)
        {
            uint x = (uint)BitConverter.SingleToInt32Bits(value);
            uint sign = (x >> 16) & 0x8000u;
            x &= 0x7FFFFFFFu;
            if (x - 0x38800000u < 0x0EFFF000u) // normal half range [2^-14, 65520): rebias, round 13 dropped bits to even
                return (ushort)(sign | ((x - 0x38000000u + 0xFFFu + ((x >> 13) & 1u)) >> 13));
            if (x >= 0x7F800000u) // Inf or NaN; keep the top payload bits and force a quiet NaN
                return (ushort)(sign | (x == 0x7F800000u ? 0x7C00u : 0x7E00u | ((x >> 13) & 0x3FFu)));
            if (x >= 0x477FF000u) // >= 65520 rounds past the largest half (65504)
                return (ushort)(sign | 0x7C00u);
            if (x < 0x33000000u) // below 2^-25: rounds to zero (2^-25 itself ties to even zero)
                return (ushort)sign;
            // Subnormal half: the value in units of 2^-24, rounded to even.
            int exponent = (int)(x >> 23);
            uint mantissa = (x & 0x7FFFFFu) | 0x800000u;
            int shift = 126 - exponent;
            uint quotient = mantissa >> shift;
            uint remainder = mantissa & ((1u << shift) - 1);
            uint halfway = 1u << (shift - 1);
            if (remainder > halfway || (remainder == halfway && (quotient & 1u) != 0)) quotient++;
            return (ushort)(sign | quotient);
        }

        /// <summary>Converts half bits to the float of exactly that value.</summary>
        public static float ToFloat(ushort half)
        {
            uint sign = (uint)(half & 0x8000) << 16;
            uint exponent = (uint)(half >> 10) & 0x1Fu;
            uint mantissa = half & 0x3FFu;
            if (exponent == 0)
            {
                if (mantissa == 0) return BitConverter.Int32BitsToSingle((int)sign);
                float magnitude = mantissa * (1.0f / 16777216.0f); // subnormal: mantissa x 2^-24, exact
                return sign != 0 ? -magnitude : magnitude;
            }
            if (exponent == 31)
                return BitConverter.Int32BitsToSingle((int)(sign | 0x7F800000u | (mantissa << 13)));
            return BitConverter.Int32BitsToSingle((int)(sign | ((exponent + 112) << 23) | (mantissa << 13)));
        }

        /// <summary>Converts a span of floats to half bits.</summary>
        public static void FromFloat(ReadOnlySpan<float> source, Span<ushort> destination)
        {
            if (destination.Length < source.Length) throw new ArgumentException("destination is shorter than source");
            for (int i = 0; i < source.Length; i++) destination[i] = FromFloat(source[i]);
        }

        /// <summary>Converts a span of half bits to floats.</summary>
        public static void ToFloat(ReadOnlySpan<ushort> source, Span<float> destination)
        {
            if (destination.Length < source.Length) throw new ArgumentException("destination is shorter than source");
            var table = Table;
            for (int i = 0; i < source.Length; i++) destination[i] = table[source[i]];
        }
    }
}
