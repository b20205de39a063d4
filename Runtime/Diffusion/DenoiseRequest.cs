using System;
using System.Collections.Generic;
using InstantIdAvatars.Schedulers;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>An extra ControlNet (depth, pose, canny…) run beside IdentityNet; its residuals are added to IdentityNet's.</summary>
    public sealed class ExtraControlNet
    {
        /// <param name="runner">The ControlNet (same base model as the UNet).</param>
        /// <param name="image">Its condition image [3,H,W] in 0..1, same size as the generated image.</param>
        /// <param name="scale">Its conditioning scale.</param>
        public ExtraControlNet(ControlNetRunner runner, float[] image, float scale)
        {
            Runner = runner ?? throw new ArgumentNullException(nameof(runner));
            Image = image ?? throw new ArgumentNullException(nameof(image));
            Scale = scale;
        }

        public ControlNetRunner Runner { get; }
        public float[] Image { get; }
        public float Scale { get; }
        /// <summary>Fraction of the steps where it starts to act (diffusers' control_guidance_start).</summary>
        public float GuidanceStart { get; set; }
        /// <summary>Fraction of the steps where it stops acting (diffusers' control_guidance_end).</summary>
        public float GuidanceEnd { get; set; } = 1f;
    }

    /// <summary>
    /// One identity of a several-identity image: its identity tokens, its landmark map and where it acts.
    /// See <see cref="DenoiseRequest.Regions"/>.
    /// </summary>
    public sealed class IdentityRegion
    {
        /// <param name="identityTokens">[1,T,C] conditional identity tokens of this person.</param>
        /// <param name="unconditionalIdentityTokens">[1,T,C] unconditional tokens; required with guidance.</param>
        /// <param name="controlImage">This person's landmark map [3,H,W] in 0..1 (only their face drawn).</param>
        /// <param name="mask">[H,W] weights in 0..1 in image pixels (1 inside the region; see <see cref="RegionMasks.Box"/>).</param>
        public IdentityRegion(float[] identityTokens, float[]? unconditionalIdentityTokens, float[] controlImage, float[] mask)
        {
            IdentityTokens = identityTokens ?? throw new ArgumentNullException(nameof(identityTokens));
            UnconditionalIdentityTokens = unconditionalIdentityTokens;
            ControlImage = controlImage ?? throw new ArgumentNullException(nameof(controlImage));
            Mask = mask ?? throw new ArgumentNullException(nameof(mask));
        }

        public float[] IdentityTokens { get; }
        public float[]? UnconditionalIdentityTokens { get; }
        public float[] ControlImage { get; }
        public float[] Mask { get; }
    }

    /// <summary>What one InstantID generation needs after the text, face and identity stages.</summary>
    public sealed class DenoiseRequest
    {
        /// <summary>Generated image width in pixels (a multiple of 8; the latent is width/8).</summary>
        public int Width { get; set; } = 1024;
        /// <summary>Generated image height in pixels (a multiple of 8).</summary>
        public int Height { get; set; } = 1024;
        /// <summary>Number of denoising steps (InstantID's default 30).</summary>
        public int Steps { get; set; } = 30;
        /// <summary>Classifier-free guidance scale; ≤ 1 runs one batch row (no unconditional pass), as diffusers.</summary>
        public float GuidanceScale { get; set; } = 5f;

        /// <summary>[1,77k,C] SDXL prompt embeddings (penultimate hidden states of both encoders, concatenated).</summary>
        public float[] PromptEmbeds { get; set; } = Array.Empty<float>();
        /// <summary>[1,77k,C] negative prompt embeddings; required with guidance.</summary>
        public float[]? NegativePromptEmbeds { get; set; }
        /// <summary>[1,P] pooled embedding of text encoder 2.</summary>
        public float[] PooledPromptEmbeds { get; set; } = Array.Empty<float>();
        /// <summary>[1,P] pooled negative embedding; required with guidance.</summary>
        public float[]? NegativePooledPromptEmbeds { get; set; }

        /// <summary>[1,16,C] identity tokens (IdentityTokenizer's conditional tokens).</summary>
        public float[] IdentityTokens { get; set; } = Array.Empty<float>();
        /// <summary>[1,16,C] unconditional identity tokens; required with guidance.</summary>
        public float[]? UnconditionalIdentityTokens { get; set; }
        /// <summary>Identity tokens per image (model_index.json image_tokens; 16 for InstantID).</summary>
        public int IdentityTokenCount { get; set; } = 16;

        /// <summary>Takes the identity tokens (and unconditional tokens, if any) from <see cref="InstantIdAvatars.Identity.IdentityTokenizer"/>.</summary>
        public void UseIdentity(InstantIdAvatars.Identity.IdentityTokens tokens)
        {
            if (tokens == null) throw new ArgumentNullException(nameof(tokens));
            IdentityTokens = tokens.Conditional;
            UnconditionalIdentityTokens = tokens.Unconditional;
            IdentityTokenCount = tokens.TokenCount;
        }

        /// <summary>IdentityNet's condition: the landmark image [3,Height,Width], RGB in 0..1.</summary>
        public float[] ControlImage { get; set; } = Array.Empty<float>();
        /// <summary>IdentityNet conditioning scale (controlnet_conditioning_scale, InstantID default 0.8).</summary>
        public float ControlNetScale { get; set; } = 0.8f;
        /// <summary>IdentityNet control_guidance_start (fraction of steps).</summary>
        public float ControlGuidanceStart { get; set; }
        /// <summary>IdentityNet control_guidance_end (fraction of steps).</summary>
        public float ControlGuidanceEnd { get; set; } = 1f;
        /// <summary>Extra ControlNets; their residuals are summed with IdentityNet's.</summary>
        public IList<ExtraControlNet> ExtraControlNets { get; } = new List<ExtraControlNet>();

        /// <summary>IP-Adapter scale of the identity tokens in the UNet's cross-attention (InstantID default 0.8).</summary>
        public float IpAdapterScale { get; set; } = 0.8f;

        /// <summary>Seed of the initial noise (torch.Generator().manual_seed(seed) on CPU, bit-exact).</summary>
        public long Seed { get; set; }
        /// <summary>Caller-supplied initial noise [1,4,h,w] (N(0,1), before init_noise_sigma); overrides <see cref="Seed"/>.</summary>
        public float[]? InitialNoise { get; set; }
        /// <summary>Noise for stochastic schedulers' steps; defaults to the seeded generator that made the latents.</summary>
        public INoiseSource? StepNoise { get; set; }

        /// <summary>img2img: encoded start image [1,4,h,w], already × vae scaling factor. Null = text-to-image.</summary>
        public float[]? InitLatents { get; set; }
        /// <summary>img2img strength in 0..1 (1 = ignore the start image).</summary>
        public double Strength { get; set; } = 0.8;

        /// <summary>SDXL original_size (height, width); defaults to the control image size.</summary>
        public (int Height, int Width)? OriginalSize { get; set; }
        /// <summary>SDXL crops_coords_top_left (top, left).</summary>
        public (int Top, int Left) CropsTopLeft { get; set; }
        /// <summary>SDXL target_size (height, width); defaults to (Height, Width).</summary>
        public (int Height, int Width)? TargetSize { get; set; }
        /// <summary>Negative micro-conditioning; used only when both negative sizes are given (as diffusers).</summary>
        public (int Height, int Width)? NegativeOriginalSize { get; set; }
        /// <summary>Negative crops_coords_top_left.</summary>
        public (int Top, int Left) NegativeCropsTopLeft { get; set; }
        /// <summary>Negative target size.</summary>
        public (int Height, int Width)? NegativeTargetSize { get; set; }

        /// <summary>
        /// Face-region refinement (InstantID demo's <c>enhance_face_region</c> / the full pipeline's <c>control_mask</c>):
        /// [Height,Width] weights in 0..1 that multiply IdentityNet's residuals, bilinearly resized to each residual's
        /// size as <c>F.interpolate(mask, (h//s, w//s), mode="bilinear")</c>. Extra ControlNets are not masked (as
        /// upstream). Null = no mask.
        /// </summary>
        public float[]? IdentityNetMask { get; set; }

        /// <summary>
        /// Several identities in one image. When not empty, <see cref="IdentityTokens"/>, <see cref="ControlImage"/> and
        /// <see cref="UnconditionalIdentityTokens"/> are ignored: every step runs IdentityNet + UNet once per region with
        /// that region's tokens (as IP tokens and IdentityNet context) and landmark map, and blends the noise
        /// predictions with <see cref="InstantIdDenoiser.RegionWeights"/>.
        /// </summary>
        public IList<IdentityRegion> Regions { get; } = new List<IdentityRegion>();

        /// <summary>Render a cheap latent-space RGB preview for each progress report.</summary>
        public bool Preview { get; set; }
    }

    /// <summary>Progress of the denoising loop, reported after each step.</summary>
    public sealed class DenoiseProgress
    {
        internal DenoiseProgress(int step, int totalSteps, float timestep, ReadOnlyMemory<float> latents, int latentHeight, int latentWidth, byte[]? preview)
        {
            Step = step; TotalSteps = totalSteps; Timestep = timestep; Latents = latents;
            LatentHeight = latentHeight; LatentWidth = latentWidth; Preview = preview;
        }

        /// <summary>Index of the finished step (0-based).</summary>
        public int Step { get; }
        /// <summary>Steps in this run.</summary>
        public int TotalSteps { get; }
        /// <summary>The step's timestep.</summary>
        public float Timestep { get; }
        /// <summary>Latents after the step [1,4,h,w]; only valid during the callback.</summary>
        public ReadOnlyMemory<float> Latents { get; }
        public int LatentHeight { get; }
        public int LatentWidth { get; }
        /// <summary>RGB bytes (LatentWidth × LatentHeight) of the latent preview when requested, else null.</summary>
        public byte[]? Preview { get; }
    }

    /// <summary>The outcome of <see cref="InstantIdDenoiser.Run"/>.</summary>
    public sealed class DenoiseResult
    {
        internal DenoiseResult(float[] latents, float[] decoded, byte[] rgb, int width, int height)
        {
            Latents = latents; Decoded = decoded; Rgb = rgb; Width = width; Height = height;
        }

        /// <summary>Wall time of the denoising loop (all steps, without the VAE).</summary>
        public TimeSpan LoopTime { get; internal set; }
        /// <summary>Part of <see cref="LoopTime"/> spent inside the ControlNet and UNet runners (model calls).</summary>
        public TimeSpan ModelTime { get; internal set; }
        /// <summary>Steps the loop ran.</summary>
        public int Steps { get; internal set; }
        /// <summary>Host work per step outside the model calls: guidance, scheduler, copies, callbacks.</summary>
        public TimeSpan HostTimePerStep => Steps == 0 ? TimeSpan.Zero : TimeSpan.FromTicks((LoopTime - ModelTime).Ticks / Steps);

        /// <summary>Final latents [1,4,h,w] (before ÷ scaling factor).</summary>
        public float[] Latents { get; }
        /// <summary>VAE output [1,3,H,W] in about −1..1.</summary>
        public float[] Decoded { get; }
        /// <summary>Interleaved 8-bit RGB, row-major (diffusers' postprocess).</summary>
        public byte[] Rgb { get; }
        public int Width { get; }
        public int Height { get; }

        /// <summary>The image as an ImageSharp image (the caller disposes it).</summary>
        public SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24> ToImage() =>
            SixLabors.ImageSharp.Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.Rgb24>(Rgb, Width, Height);
    }
}
