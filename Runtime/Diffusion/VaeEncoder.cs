using InstantIdAvatars.Models;
using System;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>
    /// Runs the VAE encoder of the model-set contract (<c>vae_encoder/model.onnx</c>: sample [B,3,H,W] in −1..1 →
    /// latent_sample [B,4,H/8,W/8], the MEAN of the latent distribution) and scales the result by the VAE scaling
    /// factor, giving the start latents of img2img. The session belongs to the caller; buffers are reused.
    /// </summary>
    /// <remarks>
    /// diffusers' img2img pipelines call <c>retrieve_latents(vae.encode(image), generator)</c> with
    /// <c>sample_mode="sample"</c>: mean + std·ε with ε drawn from the pipeline's generator. We use the mean
    /// (deterministic, and what the contract's export gives). The posterior's std is small next to the noise img2img
    /// adds at any strength worth using, so images differ only slightly; but two things follow: the same init image
    /// always gives the same latents, and the seeded generator is not advanced by the posterior draw before the
    /// img2img noise is drawn, so our noise is the text-to-image draw of that seed, not diffusers' img2img draw.
    /// </remarks>
    public sealed class VaeEncoder : IDisposable
    {
        readonly SessionIo _io;

        /// <summary>Wraps <paramref name="session"/> (not owned) and checks its input and output names.</summary>
        public VaeEncoder(InferenceSession session, string label = "vae_encoder")
        {
            _io = new SessionIo(session, label);
            _io.RequireInputs("sample");
            _io.RequireOutputs("latent_sample");
        }

        /// <summary>
        /// diffusers' <c>VaeImageProcessor.preprocess</c> for one RGB image already at the output size: pixels / 255
        /// in float32, then <c>2x − 1</c>, as [3,H,W] planes.
        /// </summary>
        public static float[] ToChw(Image<Rgb24> image)
        {
            // The 0..1 planes are the control-image layout; only the 2x − 1 differs.
            var chw = ControlImage.ToChw(image);
            for (int i = 0; i < chw.Length; i++) chw[i] = 2f * chw[i] - 1f;
            return chw;
        }

        /// <summary>
        /// Encodes [B,3,H,W] in −1..1 (H, W multiples of 8) and returns the latent mean × <paramref name="scalingFactor"/>
        /// ([B,4,H/8,W/8]), as the pipelines' <c>scaling_factor * retrieve_latents(...)</c> with the mean.
        /// </summary>
        public float[] Encode(ReadOnlySpan<float> sample, int batch, int height, int width, float scalingFactor)
        {
            if (!(scalingFactor > 0)) throw new ArgumentOutOfRangeException(nameof(scalingFactor), "the VAE scaling factor must be positive (SDXL: 0.13025)");
            if (batch < 1 || height <= 0 || width <= 0 || height % 8 != 0 || width % 8 != 0)
                throw new ArgumentException($"the image must be [B,3,H,W] with H and W positive multiples of 8; got {batch}×3×{height}×{width}");
            if (sample.Length != (long)batch * 3 * height * width)
                throw new ArgumentException($"sample of {sample.Length} values is not [{batch},3,{height},{width}]", nameof(sample));
            _io.Write("sample", sample, batch, 3, height, width);
            _io.Run();
            var output = _io.Output("latent_sample");
            if (output.Shape.Length != 4 || output.Shape[0] != batch || output.Shape[2] != height / 8 || output.Shape[3] != width / 8)
                throw new ModelBindingException($"The {_io.Label} model gave latent_sample [{string.Join(",", output.Shape)}]; the contract wants [{batch},4,{height / 8},{width / 8}] (the latent mean).");
            var result = new float[output.Length];
            output.Read(result);
            for (int i = 0; i < result.Length; i++) result[i] *= scalingFactor;
            return result;
        }

        /// <summary>
        /// One image → start latents [1,4,height/8,width/8]: resized to <paramref name="width"/>×<paramref name="height"/>
        /// (ImageSharp's bicubic, when the size differs), preprocessed as <see cref="ToChw"/>, encoded, × scaling factor.
        /// </summary>
        public float[] Encode(Image<Rgb24> image, int width, int height, float scalingFactor)
        {
            if (image == null) throw new ArgumentNullException(nameof(image));
            if (image.Width == width && image.Height == height) return Encode(ToChw(image), 1, height, width, scalingFactor);
            using var resized = image.Clone(x => x.Resize(width, height));
            return Encode(ToChw(resized), 1, height, width, scalingFactor);
        }

        /// <summary>Frees the native buffers (not the session).</summary>
        public void Dispose() => _io.Dispose();
    }
}
