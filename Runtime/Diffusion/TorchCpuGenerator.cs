using System;
using InstantIdAvatars.Schedulers;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>
    /// Reproduces <c>torch.randn(shape, generator=torch.Generator().manual_seed(seed))</c> on the CPU bit for bit
    /// (torch 1.13 on any x86-64 CPU with AVX2, which is what the reference images were made with), so a seed gives the
    /// same initial latents as the Python pipeline.
    /// </summary>
    /// <remarks>
    /// How torch does it (aten/src/ATen/native/cpu/DistributionTemplates.h, ATen/core/DistributionsHelper.h):
    /// <list type="bullet">
    /// <item>The engine is a standard 32-bit Mersenne Twister (mt19937) seeded with the low 32 bits of the seed.</item>
    /// <item>A float tensor with 16 or more elements takes the vectorised path: every element first gets a uniform
    /// <c>(u32 &amp; 0xFFFFFF) / 2^24</c>; then each block of 16 becomes 16 normals by Box-Muller with
    /// u1 = 1 − x[j], u2 = x[j+8], out[j] = √(−2 ln u1)·cos(2π u2), out[j+8] = …·sin(2π u2), computed in float (with the FMAs GCC forms) using
    /// avx_mathfun's Cephes polynomials (<c>log256_ps</c>, <c>sincos256_ps</c>), which this class evaluates in the same
    /// order. When the length is not a multiple of 16, the last 16 elements are redrawn (16 fresh uniforms) and
    /// transformed again, overwriting the overlap.</item>
    /// <item>Fewer than 16 elements take the scalar path: per element a double normal from two 53-bit uniforms
    /// (each from two 32-bit draws, high word first); the sine half is cached in the generator and returned by the
    /// next scalar draw.</item>
    /// </list>
    /// Each <see cref="Fill"/> call corresponds to one <c>torch.randn</c> call of that many elements.
    /// </remarks>
    public sealed class TorchCpuGenerator : INoiseSource
    {
        const int N = 624;
        const int M = 397;
        readonly uint[] _mt = new uint[N];
        int _index;
        double? _nextDoubleNormal;

        /// <summary>Creates the generator as <c>torch.Generator().manual_seed(seed)</c>.</summary>
        public TorchCpuGenerator(long seed) => ManualSeed(seed);

        /// <summary>Re-seeds as <c>manual_seed</c> (also drops the cached scalar normal, as torch does).</summary>
        public void ManualSeed(long seed)
        {
            _mt[0] = (uint)(seed & 0xFFFFFFFF);
            for (int i = 1; i < N; i++)
                _mt[i] = unchecked(1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i);
            _index = N;
            _nextDoubleNormal = null;
        }

        /// <summary>Next raw 32-bit output of the Mersenne Twister (torch's <c>generator.random()</c>).</summary>
        public uint NextUInt32()
        {
            if (_index >= N) Twist();
            uint y = _mt[_index++];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9D2C5680u;
            y ^= (y << 15) & 0xEFC60000u;
            y ^= y >> 18;
            return y;
        }

        void Twist()
        {
            for (int i = 0; i < N; i++)
            {
                uint y = (_mt[i] & 0x80000000u) | (_mt[(i + 1) % N] & 0x7FFFFFFFu);
                uint v = _mt[(i + M) % N] ^ (y >> 1);
                if ((y & 1) != 0) v ^= 0x9908B0DFu;
                _mt[i] = v;
            }
            _index = 0;
        }

        /// <summary>Fills <paramref name="destination"/> as one <c>torch.randn</c> call of that length.</summary>
        public void Fill(Span<float> destination)
        {
            int size = destination.Length;
            if (size == 0) return;
            if (size < 16)
            {
                for (int i = 0; i < size; i++) destination[i] = (float)NextDoubleNormal();
                return;
            }
            for (int i = 0; i < size; i++) destination[i] = NextUniformFloat();
            for (int i = 0; i + 16 <= size; i += 16) BoxMuller16(destination.Slice(i, 16));
            if (size % 16 != 0)
            {
                var tail = destination.Slice(size - 16, 16);
                for (int i = 0; i < 16; i++) tail[i] = NextUniformFloat();
                BoxMuller16(tail);
            }
        }

        /// <summary>Returns a new array of <paramref name="count"/> normals (one <c>torch.randn</c> call).</summary>
        public float[] Randn(int count)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), "count must be zero or positive");
            var result = new float[count];
            Fill(result);
            return result;
        }

        // transformation::uniform_real for float: 24 random bits scaled by 2^-24 (exact in float).
        float NextUniformFloat() => (NextUInt32() & 0xFFFFFFu) * (1.0f / 16777216.0f);

        // uniform_real_distribution<double>: random64() = (first << 32) | second, 53 bits scaled by 2^-53.
        double NextUniformDouble()
        {
            ulong hi = NextUInt32();
            ulong lo = NextUInt32();
            ulong v = (hi << 32) | lo;
            return (v & ((1UL << 53) - 1)) * (1.0 / 9007199254740992.0);
        }

        // at::normal_distribution<double> (the path for tensors under 16 elements), with torch's sine cache.
        double NextDoubleNormal()
        {
            if (_nextDoubleNormal.HasValue)
            {
                double cached = _nextDoubleNormal.Value;
                _nextDoubleNormal = null;
                return cached;
            }
            double u1 = NextUniformDouble();
            double u2 = NextUniformDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
            double theta = 2.0 * Math.PI * u1;
            _nextDoubleNormal = r * Math.Sin(theta);
            return r * Math.Cos(theta);
        }

        // Single-precision fused multiply-add (netstandard2.1 has no MathF.FusedMultiplyAdd). torch's AVX2 kernels are
        // built by GCC with -mfma and contract each intrinsic mul+add pair into one FMA, so matching them needs FMA.
        // a*b is exact in double; the double sum is made round-to-odd so the final float rounding is correct.
        internal static float Fma(float a, float b, float c)
        {
            double product = (double)a * b;
            double sum = product + c;
            double bb = sum - product;
            double error = (product - (sum - bb)) + (c - bb);
            if (error != 0 && sum != 0)
            {
                long bits = BitConverter.DoubleToInt64Bits(sum);
                if ((bits & 1) == 0) bits += (error > 0) == (sum > 0) ? 1 : -1;
                sum = BitConverter.Int64BitsToDouble(bits);
            }
            return (float)sum;
        }

        static readonly float TwoPi = (float)(2.0 * Math.PI);

        // normal_fill_16_AVX2: lanes j and j+8 share one Box-Muller pair.
        static void BoxMuller16(Span<float> data)
        {
            for (int j = 0; j < 8; j++)
            {
                float u1 = 1.0f - data[j];
                float u2 = data[j + 8];
                float radius = MathF.Sqrt(-2.0f * CephesLog(u1));
                float theta = TwoPi * u2;
                CephesSinCos(theta, out float sin, out float cos);
                data[j] = radius * cos;
                data[j + 8] = radius * sin;
            }
        }

        // avx_mathfun.h log256_ps, one lane, same operation order (float throughout, no FMA).
        static float CephesLog(float x)
        {
            bool invalid = x <= 0f;
            x = Math.Max(x, BitConverter.Int32BitsToSingle(0x00800000));
            int bits = BitConverter.SingleToInt32Bits(x);
            int imm0 = (int)((uint)bits >> 23);
            x = BitConverter.Int32BitsToSingle((bits & ~0x7F800000) | BitConverter.SingleToInt32Bits(0.5f));
            imm0 -= 0x7F;
            float e = imm0;
            e += 1.0f;
            bool mask = x < (float)0.707106781186547524;
            float tmp = mask ? x : 0f;
            x -= 1.0f;
            e -= mask ? 1.0f : 0f;
            x += tmp;
            float z = x * x;
            float y = (float)7.0376836292E-2;
            y = Fma(y, x, (float)-1.1514610310E-1);
            y = Fma(y, x, (float)1.1676998740E-1);
            y = Fma(y, x, (float)-1.2420140846E-1);
            y = Fma(y, x, (float)1.4249322787E-1);
            y = Fma(y, x, (float)-1.6668057665E-1);
            y = Fma(y, x, (float)2.0000714765E-1);
            y = Fma(y, x, (float)-2.4999993993E-1);
            y = Fma(y, x, (float)3.3333331174E-1);
            // GCC's contraction works in statement order: (y*x)*z absorbs the later e*q1 add, z*0.5 is exact.
            y *= x;
            y = Fma(y, z, e * (float)-2.12194440e-4);
            y = Fma(-z, 0.5f, y);
            x = Fma(e, (float)0.693359375, x + y);
            return invalid ? float.NaN : x;
        }

        // avx_mathfun.h sincos256_ps, one lane.
        static void CephesSinCos(float x, out float sin, out float cos)
        {
            bool negative = x < 0f;
            x = Math.Abs(x);
            float y = x * (float)1.27323954473516;
            int j = (int)y;
            j = (j + 1) & ~1;
            y = j;
            bool sinSwap = (j & 4) != 0;
            bool sinFromSinPoly = (j & 2) == 0;
            x = Fma(y, (float)-0.78515625, x);
            x = Fma(y, (float)-2.4187564849853515625e-4, x);
            x = Fma(y, (float)-3.77489497744594108e-8, x);
            bool cosSign = ((~(j - 2)) & 4) != 0;
            bool sinSign = negative ^ sinSwap;

            float z = x * x;
            float c = (float)2.443315711809948E-005;
            c = Fma(c, z, (float)-1.388731625493765E-003);
            c = Fma(c, z, (float)4.166664568298827E-002);
            c *= z;
            c = Fma(c, z, -(z * 0.5f));
            c += 1.0f;

            float s = (float)-1.9515295891E-4;
            s = Fma(s, z, (float)8.3321608736E-3);
            s = Fma(s, z, (float)-1.6666654611E-1);
            s *= z;
            s = Fma(s, x, x);

            float sinValue = sinFromSinPoly ? s : c;
            float cosValue = sinFromSinPoly ? c : s;
            sin = sinSign ? -sinValue : sinValue;
            cos = cosSign ? -cosValue : cosValue;
        }
    }
}
