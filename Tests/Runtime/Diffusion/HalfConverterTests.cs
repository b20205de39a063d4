using InstantIdAvatars.Models;
using System;
using InstantIdAvatars.Diffusion;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Diffusion
{
    public sealed class HalfConverterTests
    {
        [Test]
        public void ToFloatThenFromFloat_RoundTripsAll65536BitPatterns()
        {
            int mismatches = 0;
            for (int bits = 0; bits <= 0xFFFF; bits++)
            {
                float value = HalfConverter.ToFloat((ushort)bits);
                bool isNaN = (bits & 0x7C00) == 0x7C00 && (bits & 0x3FF) != 0;
                if (isNaN)
                {
                    if (!float.IsNaN(value) || !float.IsNaN(HalfConverter.ToFloat(HalfConverter.FromFloat(value)))) mismatches++;
                    continue;
                }
                if (HalfConverter.FromFloat(value) != bits) mismatches++;
            }
            Assert.That(mismatches, Is.EqualTo(0));
        }

        [Test]
        public void ToFloat_MatchesSystemHalfForAllBitPatterns()
        {
            int mismatches = 0;
            for (int bits = 0; bits <= 0xFFFF; bits++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
                float actual = HalfConverter.ToFloat((ushort)bits);
                if (float.IsNaN(expected) ? !float.IsNaN(actual) : BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual))
                    mismatches++;
            }
            Assert.That(mismatches, Is.EqualTo(0));
        }

        [Test]
        public void FromFloat_RoundsToNearestEvenLikeSystemHalf()
        {
            // Every float whose low 12 mantissa bits sit at or next to the rounding boundary, over the whole exponent
            // range (normal, subnormal, overflow), plus random floats.
            int mismatches = 0;
            var random = new Random(1234);
            for (uint exponent = 0; exponent < 256; exponent++)
            {
                foreach (uint low in new uint[] { 0, 1, 0xFFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x3000 })
                {
                    for (int k = 0; k < 64; k++)
                    {
                        uint mantissa = ((uint)random.Next(0, 1 << 10) << 13) | low;
                        for (uint sign = 0; sign < 2; sign++)
                        {
                            float value = BitConverter.Int32BitsToSingle((int)((sign << 31) | (exponent << 23) | (mantissa & 0x7FFFFF)));
                            if (!Same(value)) mismatches++;
                        }
                    }
                }
            }
            for (int i = 0; i < 200000; i++)
                if (!Same(BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue)))) mismatches++;
            Assert.That(mismatches, Is.EqualTo(0));
            Assert.That(HalfConverter.FromFloat(65519.996f), Is.EqualTo(0x7BFF));
            Assert.That(HalfConverter.FromFloat(65520f), Is.EqualTo(0x7C00));
        }

        static bool Same(float value)
        {
            ushort expected = BitConverter.HalfToUInt16Bits((Half)value);
            ushort actual = HalfConverter.FromFloat(value);
            if (float.IsNaN(value)) return (actual & 0x7C00) == 0x7C00 && (actual & 0x3FF) != 0;
            return expected == actual;
        }
    }
}
