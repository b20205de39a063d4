using InstantIdAvatars.Models;
using System;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>
    /// The residuals a ControlNet adds to the UNet: <see cref="DownCount"/> down-block tensors and one mid-block
    /// tensor (NCHW float32). Several ControlNets accumulate into one set, as diffusers' MultiControlNetModel sums them.
    /// Buffers are kept between steps and reallocated only when a shape changes.
    /// </summary>
    public sealed class ControlNetResiduals
    {
        readonly float[][] _down;
        readonly long[][] _downShapes;
        float[] _mid = Array.Empty<float>();
        long[] _midShape = Array.Empty<long>();
        // The last ControlNet's own output tensors, handed to the UNet without a host copy when nothing is summed.
        OrtTensor[]? _nativeDown;
        OrtTensor? _nativeMid;

        /// <summary>Creates an empty set for <paramref name="downCount"/> down-block residuals (9 for SDXL).</summary>
        public ControlNetResiduals(int downCount)
        {
            if (downCount < 1) throw new ArgumentOutOfRangeException(nameof(downCount), "a ControlNet has at least one down residual");
            DownCount = downCount;
            _down = new float[downCount][];
            _downShapes = new long[downCount][];
            for (int i = 0; i < downCount; i++) { _down[i] = Array.Empty<float>(); _downShapes[i] = Array.Empty<long>(); }
        }

        /// <summary>Number of down-block residuals.</summary>
        public int DownCount { get; }

        /// <summary>False until a ControlNet has written into the set.</summary>
        public bool HasValues { get; private set; }

        /// <summary>Down-block residual <paramref name="index"/> (valid after a ControlNet ran, until its next run).</summary>
        public float[] Down(int index) { Materialize(); return _down[index]; }

        /// <summary>Shape of down-block residual <paramref name="index"/>.</summary>
        public ReadOnlySpan<long> DownShape(int index) { Materialize(); return _downShapes[index]; }

        /// <summary>The mid-block residual.</summary>
        public float[] Mid { get { Materialize(); return _mid; } }

        /// <summary>Shape of the mid-block residual.</summary>
        public ReadOnlySpan<long> MidShape { get { Materialize(); return _midShape; } }

        /// <summary>Records a ControlNet's output tensors as the current residuals (no copy).</summary>
        internal void SetNative(OrtTensor[] down, OrtTensor mid)
        {
            _nativeDown = down;
            _nativeMid = mid;
            HasValues = true;
        }

        /// <summary>The native tensors when they still hold the residuals (one ControlNet, nothing summed).</summary>
        internal bool TryGetNative(out OrtTensor[] down, out OrtTensor mid)
        {
            down = _nativeDown!;
            mid = _nativeMid!;
            return _nativeDown != null && _nativeMid != null;
        }

        /// <summary>Copies the residuals to host arrays if they still live in <paramref name="down"/> (a runner's outputs).</summary>
        internal void DetachFrom(OrtTensor[] down)
        {
            if (ReferenceEquals(_nativeDown, down)) Materialize();
        }

        /// <summary>Copies native residuals into the host arrays (before summing or reading them).</summary>
        internal void Materialize()
        {
            if (_nativeDown == null || _nativeMid == null) return;
            for (int i = 0; i < DownCount; i++)
                _nativeDown[i].Read(PrepareDown(i, _nativeDown[i].Shape, clear: false));
            _nativeMid.Read(PrepareMid(_nativeMid.Shape, clear: false));
            _nativeDown = null;
            _nativeMid = null;
        }

        /// <summary>
        /// Multiplies every residual [B,C,h,w] by a [h,w] mask from <paramref name="maskFor"/>(h, w), broadcast over
        /// batch and channels (InstantID's control_mask weighting). Copies native residuals to the host first.
        /// </summary>
        internal void MultiplyByMask(Func<int, int, float[]> maskFor)
        {
            Materialize();
            for (int i = 0; i < DownCount; i++) Multiply(_down[i], _downShapes[i], maskFor);
            Multiply(_mid, _midShape, maskFor);
        }

        static void Multiply(float[] values, long[] shape, Func<int, int, float[]> maskFor)
        {
            if (shape.Length != 4) throw new ModelBindingException($"A ControlNet residual has shape [{string.Join(",", shape)}]; a region mask needs [B,C,h,w].");
            int plane = checked((int)(shape[2] * shape[3]));
            var mask = maskFor((int)shape[2], (int)shape[3]);
            for (int start = 0; start < values.Length; start += plane)
                for (int j = 0; j < plane; j++) values[start + j] *= mask[j];
        }

        internal float[] PrepareDown(int index, long[] shape, bool clear) => Prepare(ref _down[index], ref _downShapes[index], shape, clear);

        internal float[] PrepareMid(long[] shape, bool clear) => Prepare(ref _mid, ref _midShape, shape, clear);

        internal void MarkWritten() => HasValues = true;

        static float[] Prepare(ref float[] buffer, ref long[] current, long[] shape, bool clear)
        {
            if (!shape.AsSpan().SequenceEqual(current))
            {
                long length = 1;
                foreach (var d in shape) length *= d;
                buffer = new float[length];
                current = (long[])shape.Clone();
            }
            else if (clear)
            {
                Array.Clear(buffer, 0, buffer.Length);
            }
            return buffer;
        }
    }
}
