using InstantIdAvatars.Models;
using System;
using Microsoft.ML.OnnxRuntime;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>
    /// Runs the VAE decoder of the model-set contract (<c>vae_decoder/model.onnx</c>: latent_sample → sample in −1..1)
    /// and turns its output into 8-bit RGB as diffusers' VaeImageProcessor.postprocess does. The session belongs to
    /// the caller.
    /// </summary>
    public sealed class VaeDecoder : IDisposable
    {
        readonly SessionIo _io;
        float[] _scaled = Array.Empty<float>();

        /// <summary>Wraps <paramref name="session"/> (not owned) and checks its input and output names.</summary>
        public VaeDecoder(InferenceSession session, string label = "vae_decoder")
        {
            _io = new SessionIo(session, label);
            _io.RequireInputs("latent_sample");
            _io.RequireOutputs("sample");
        }

        /// <summary>
        /// Decodes latents [B,4,h,w]: divides by <paramref name="scalingFactor"/> (SDXL 0.13025) first, as the pipeline's
        /// <c>latents / vae.config.scaling_factor</c>. Returns [B,3,H,W] in about −1..1 (not clamped).
        /// </summary>
        public float[] Decode(ReadOnlySpan<float> latents, int batch, int latentHeight, int latentWidth, float scalingFactor,
            out int imageHeight, out int imageWidth)
        {
            if (scalingFactor <= 0) throw new ArgumentOutOfRangeException(nameof(scalingFactor), "the VAE scaling factor must be positive (SDXL: 0.13025)");
            int channels = latents.Length / (batch * latentHeight * latentWidth);
            if (channels * batch * latentHeight * latentWidth != latents.Length)
                throw new ArgumentException($"latents of {latents.Length} values are not [{batch},C,{latentHeight},{latentWidth}]", nameof(latents));
            if (_scaled.Length != latents.Length) _scaled = new float[latents.Length];
            for (int i = 0; i < latents.Length; i++) _scaled[i] = latents[i] / scalingFactor;
            _io.Write("latent_sample", _scaled, batch, channels, latentHeight, latentWidth);
            _io.Run();
            var output = _io.Output("sample");
            imageHeight = (int)output.Shape[2];
            imageWidth = (int)output.Shape[3];
            var result = new float[output.Length];
            output.Read(result);
            return result;
        }

        /// <summary>
        /// diffusers' postprocess for one image: <c>(x / 2 + 0.5).clamp(0, 1)</c>, × 255, rounded half to even (numpy's
        /// round), from CHW planes to interleaved RGB bytes (row-major, top row first).
        /// </summary>
        public static byte[] ToRgbBytes(ReadOnlySpan<float> chw, int height, int width)
        {
            int plane = height * width;
            if (chw.Length < 3 * plane) throw new ArgumentException($"need 3×{height}×{width} values, got {chw.Length}", nameof(chw));
            var rgb = new byte[3 * plane];
            for (int c = 0; c < 3; c++)
            {
                var src = chw.Slice(c * plane, plane);
                for (int i = 0; i < plane; i++)
                {
                    float v = src[i] / 2f + 0.5f;
                    v = v < 0f ? 0f : (v > 1f ? 1f : v);
                    rgb[i * 3 + c] = (byte)MathF.Round(v * 255f);
                }
            }
            return rgb;
        }

        /// <summary>Frees the native buffers (not the session).</summary>
        public void Dispose() => _io.Dispose();
    }
}
