using InstantIdAvatars.Models;
using System;
using System.Diagnostics;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using InstantIdAvatars.Schedulers;

namespace InstantIdAvatars.Diffusion
{
    /// <summary>
    /// The denoising loop of InstantID's <c>StableDiffusionXLInstantIDPipeline.__call__</c> (diffusers 0.25.1 ControlNet
    /// SDXL loop): IdentityNet sees only the identity tokens, the UNet sees prompt + identity tokens, classifier-free
    /// guidance on a batch of [unconditional; conditional], then the VAE and diffusers' postprocess.
    /// Runners and their sessions belong to the caller; one denoiser serves one generation at a time.
    /// </summary>
    public sealed class InstantIdDenoiser
    {
        readonly UNetRunner _unet;
        readonly ControlNetRunner _identityNet;
        readonly VaeDecoder _vae;
        readonly float _vaeScalingFactor;

        // SDXL latent → RGB linear approximation (ComfyUI latent_formats.SDXL): rgb = Σ latent_k · F[k] + bias.
        static readonly float[] PreviewFactors =
        {
            0.3651f, 0.4232f, 0.4341f,
            -0.2533f, -0.0042f, 0.1068f,
            0.1076f, 0.1111f, -0.0362f,
            -0.3165f, -0.2492f, -0.2188f,
        };
        static readonly float[] PreviewBias = { 0.1084f, -0.0175f, -0.0011f };

        /// <param name="unet">The InstantID UNet.</param>
        /// <param name="identityNet">IdentityNet (the InstantID ControlNet).</param>
        /// <param name="vae">The VAE decoder.</param>
        /// <param name="vaeScalingFactor">model_index.json's vae_scaling_factor (SDXL 0.13025).</param>
        public InstantIdDenoiser(UNetRunner unet, ControlNetRunner identityNet, VaeDecoder vae, float vaeScalingFactor = 0.13025f)
        {
            _unet = unet ?? throw new ArgumentNullException(nameof(unet));
            _identityNet = identityNet ?? throw new ArgumentNullException(nameof(identityNet));
            _vae = vae ?? throw new ArgumentNullException(nameof(vae));
            if (!(vaeScalingFactor > 0)) throw new ArgumentOutOfRangeException(nameof(vaeScalingFactor), "the VAE scaling factor must be positive (SDXL: 0.13025)");
            if (identityNet.DownResidualCount != unet.DownResidualCount)
                throw new ModelBindingException($"IdentityNet gives {identityNet.DownResidualCount} down residuals but the UNet takes {unet.DownResidualCount}; both must come from the same SDXL base.");
            _vaeScalingFactor = vaeScalingFactor;
        }

        /// <summary>diffusers' do_classifier_free_guidance: guidance_scale &gt; 1.</summary>
        public static bool UsesGuidance(float guidanceScale) => guidanceScale > 1f;

        /// <summary>
        /// diffusers' controlnet_keep for step <paramref name="index"/> of <paramref name="count"/>:
        /// 1 − (i/n &lt; start or (i+1)/n &gt; end), in double like Python.
        /// </summary>
        public static float ControlNetKeep(int index, int count, float start, float end)
        {
            double a = (double)index / count, b = (double)(index + 1) / count;
            return (a < start || b > end) ? 0f : 1f;
        }

        /// <summary>noise_pred = u + g·(c − u) over a [2,…] batch (row 0 unconditional), in float32 like torch.</summary>
        public static void ApplyGuidance(ReadOnlySpan<float> batchedNoisePred, float guidanceScale, Span<float> destination)
        {
            int n = batchedNoisePred.Length / 2;
            if (destination.Length != n) throw new ArgumentException("destination must hold one batch row", nameof(destination));
            var u = batchedNoisePred.Slice(0, n);
            var c = batchedNoisePred.Slice(n, n);
            for (int i = 0; i < n; i++) destination[i] = u[i] + guidanceScale * (c[i] - u[i]);
        }

        /// <summary>SDXL add_time_ids: [orig_h, orig_w, crop_top, crop_left, target_h, target_w].</summary>
        public static float[] TimeIds((int Height, int Width) original, (int Top, int Left) crop, (int Height, int Width) target) =>
            new float[] { original.Height, original.Width, crop.Top, crop.Left, target.Height, target.Width };

        /// <summary>
        /// Cheap preview: the SDXL latent → RGB linear approximation at latent resolution, (x+1)/2 clamped, × 255.
        /// </summary>
        public static byte[] LatentPreview(ReadOnlySpan<float> latents, int latentHeight, int latentWidth)
        {
            int plane = latentHeight * latentWidth;
            if (latents.Length < 4 * plane) throw new ArgumentException("latents must be [1,4,h,w]", nameof(latents));
            var rgb = new byte[3 * plane];
            for (int i = 0; i < plane; i++)
            {
                for (int c = 0; c < 3; c++)
                {
                    float v = PreviewBias[c];
                    for (int k = 0; k < 4; k++) v += latents[k * plane + i] * PreviewFactors[k * 3 + c];
                    v = (v + 1f) * 0.5f;
                    v = v < 0f ? 0f : (v > 1f ? 1f : v);
                    rgb[i * 3 + c] = (byte)MathF.Round(v * 255f);
                }
            }
            return rgb;
        }

        /// <summary>
        /// Runs the whole loop and decodes the image. <paramref name="onStep"/> is called after every step;
        /// <paramref name="cancellationToken"/> is checked before every step and before decoding
        /// (throws <see cref="OperationCanceledException"/>).
        /// </summary>
        public DenoiseResult Run(DenoiseRequest request, IScheduler scheduler, Action<DenoiseProgress>? onStep = null,
            CancellationToken cancellationToken = default)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (scheduler == null) throw new ArgumentNullException(nameof(scheduler));
            bool cfg = UsesGuidance(request.GuidanceScale);
            int batch = cfg ? 2 : 1;
            Validate(request, cfg);
            int h = request.Height / 8, w = request.Width / 8;
            int latentSize = 4 * h * w;

            // Conditioning, batched as the pipeline: row 0 negative/unconditional, row 1 conditional. One pass per
            // identity: the plain request is one pass; Regions give one pass per region.
            var textEmbeds = Batch(cfg, request.NegativePooledPromptEmbeds, request.PooledPromptEmbeds);
            var original = request.OriginalSize ?? (request.Height, request.Width);
            var target = request.TargetSize ?? (request.Height, request.Width);
            var timeIds = TimeIds(original, request.CropsTopLeft, target);
            var negativeTimeIds = request.NegativeOriginalSize.HasValue && request.NegativeTargetSize.HasValue
                ? TimeIds(request.NegativeOriginalSize.Value, request.NegativeCropsTopLeft, request.NegativeTargetSize.Value)
                : timeIds;
            var batchedTimeIds = Batch(cfg, negativeTimeIds, timeIds);
            var passes = new List<Pass>();
            if (request.Regions.Count == 0)
                passes.Add(MakePass(request, cfg, request.UnconditionalIdentityTokens, request.IdentityTokens, request.ControlImage, textEmbeds, batchedTimeIds));
            else
                foreach (var region in request.Regions)
                    passes.Add(MakePass(request, cfg, region.UnconditionalIdentityTokens, region.IdentityTokens, region.ControlImage, textEmbeds, batchedTimeIds));
            float[][]? weights = request.Regions.Count > 1
                ? RegionWeights(request.Regions.Select(r => r.Mask).ToList(), request.Height, request.Width)
                : null;
            var identityMasks = new Dictionary<(int, int), float[]>();
            Func<int, int, float[]> identityMaskFor = (mh, mw) =>
            {
                if (!identityMasks.TryGetValue((mh, mw), out var m))
                    identityMasks[(mh, mw)] = m = RegionMasks.ResizeBilinear(request.IdentityNetMask!, request.Height, request.Width, mh, mw);
                return m;
            };

            // Schedule and initial latents (prepare_latents: randn × init_noise_sigma; img2img: add_noise).
            scheduler.SetTimesteps(request.Steps);
            IReadOnlyList<float> timesteps = scheduler.Timesteps;
            TorchCpuGenerator? generator = request.InitialNoise == null ? new TorchCpuGenerator(request.Seed) : null;
            var noise = request.InitialNoise ?? generator!.Randn(latentSize);
            var latents = new float[latentSize];
            if (request.InitLatents != null)
            {
                var part = scheduler.GetImg2ImgTimesteps(request.Strength);
                timesteps = part.Timesteps;
                scheduler.AddNoise(request.InitLatents, noise, part.LatentTimestep, latents);
            }
            else
            {
                float sigma = scheduler.InitNoiseSigma;
                for (int i = 0; i < latentSize; i++) latents[i] = noise[i] * sigma;
            }
            // Stochastic schedulers draw from the same generator after the latents, as the pipeline passes its generator.
            INoiseSource stepNoise = request.StepNoise ?? generator ?? new TorchCpuGenerator(request.Seed);

            var modelInput = new float[batch * latentSize];
            var noisePred = new float[batch * latentSize];
            var first = passes.Count > 1 ? new float[batch * latentSize] : noisePred;
            var blended = passes.Count > 1 ? new float[batch * latentSize] : noisePred;
            var guided = cfg ? new float[latentSize] : blended;
            var next = new float[latentSize];
            var residuals = new ControlNetResiduals(_unet.DownResidualCount);
            int plane = h * w;
            int n = timesteps.Count;
            _modelTicks = 0;
            long loopStart = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                float t = timesteps[i];
                for (int b = 0; b < batch; b++) latents.AsSpan().CopyTo(modelInput.AsSpan(b * latentSize));
                scheduler.ScaleModelInput(modelInput, t, modelInput);

                for (int p = 0; p < passes.Count; p++)
                {
                    if (p > 0) cancellationToken.ThrowIfCancellationRequested();
                    Predict(request, passes[p], modelInput, h, w, t, i, n, residuals, identityMaskFor, p == 0 ? first : noisePred);
                    if (weights == null) continue;
                    if (p == 0) { first.AsSpan().CopyTo(blended); continue; }
                    // ε = ε₀ + Σ_{r≥1} m_r (ε_r − ε₀) = Σ m_r ε_r since Σ m_r = 1; identical passes give ε₀ exactly.
                    var m = weights[p];
                    for (int k = 0; k < blended.Length; k++) blended[k] += m[k % plane] * (noisePred[k] - first[k]);
                }

                if (cfg) ApplyGuidance(blended, request.GuidanceScale, guided);
                scheduler.Step(guided, t, latents, next, Span<float>.Empty, stepNoise);
                (latents, next) = (next, latents);

                if (onStep != null)
                {
                    var preview = request.Preview ? LatentPreview(latents, h, w) : null;
                    onStep(new DenoiseProgress(i, n, t, latents, h, w, preview));
                }
            }

            long loopTicks = Stopwatch.GetTimestamp() - loopStart;
            cancellationToken.ThrowIfCancellationRequested();
            var decoded = _vae.Decode(latents, 1, h, w, _vaeScalingFactor, out int imageHeight, out int imageWidth);
            var rgb = VaeDecoder.ToRgbBytes(decoded, imageHeight, imageWidth);
            return new DenoiseResult(latents, decoded, rgb, imageWidth, imageHeight)
            {
                LoopTime = Ticks(loopTicks), ModelTime = Ticks(_modelTicks), Steps = n,
            };
        }

        sealed class Pass
        {
            public UNetConditioning UNet = null!;
            public ControlNetConditioning IdentityNet = null!;
            public List<(ExtraControlNet Net, ControlNetConditioning Conditioning)> Extras = new List<(ExtraControlNet, ControlNetConditioning)>();
        }

        static Pass MakePass(DenoiseRequest request, bool cfg, float[]? unconditionalTokens, float[] tokens, float[] controlImage,
            float[] textEmbeds, float[] batchedTimeIds)
        {
            int batch = cfg ? 2 : 1;
            int tokenCount = request.IdentityTokenCount;
            int hidden = tokens.Length / tokenCount;
            int textLength = request.PromptEmbeds.Length / hidden;
            var identity = Batch(cfg, unconditionalTokens, tokens);
            var encoderHiddenStates = new float[batch * (textLength + tokenCount) * hidden];
            for (int b = 0; b < batch; b++)
            {
                var prompt = cfg && b == 0 ? request.NegativePromptEmbeds! : request.PromptEmbeds;
                var row = encoderHiddenStates.AsSpan(b * (textLength + tokenCount) * hidden);
                prompt.AsSpan().CopyTo(row);
                identity.AsSpan(b * tokenCount * hidden, tokenCount * hidden).CopyTo(row.Slice(textLength * hidden));
            }
            var pass = new Pass
            {
                UNet = new UNetConditioning(batch, encoderHiddenStates, textLength + tokenCount, textEmbeds, batchedTimeIds),
                IdentityNet = new ControlNetConditioning(batch, identity, tokenCount, Repeat(controlImage, batch),
                    request.Height, request.Width, textEmbeds, batchedTimeIds),
            };
            foreach (var extra in request.ExtraControlNets)
                pass.Extras.Add((extra, new ControlNetConditioning(batch, identity, tokenCount, Repeat(extra.Image, batch),
                    request.Height, request.Width, textEmbeds, batchedTimeIds)));
            return pass;
        }

        /// <summary>IdentityNet (masked if asked), the extra ControlNets, then the UNet for one identity pass.</summary>
        void Predict(DenoiseRequest request, Pass pass, float[] modelInput, int h, int w, float t, int i, int n,
            ControlNetResiduals residuals, Func<int, int, float[]> identityMaskFor, float[] noisePred)
        {
            // A zero conditioning scale gives exactly-zero residuals, so such nets are skipped
            // (diffusers runs them and multiplies by 0; the UNet sees the same zeros).
            bool any = false;
            float identityScale = request.ControlNetScale * ControlNetKeep(i, n, request.ControlGuidanceStart, request.ControlGuidanceEnd);
            if (identityScale != 0f)
            {
                long t0 = Stopwatch.GetTimestamp();
                _identityNet.Run(modelInput, h, w, t, identityScale, pass.IdentityNet, residuals, accumulate: false);
                _modelTicks += Stopwatch.GetTimestamp() - t0;
                // The full pipeline masks IdentityNet's residuals only, before the extra nets are added.
                if (request.IdentityNetMask != null) residuals.MultiplyByMask(identityMaskFor);
                any = true;
            }
            foreach (var (net, conditioning) in pass.Extras)
            {
                float scale = net.Scale * ControlNetKeep(i, n, net.GuidanceStart, net.GuidanceEnd);
                if (scale == 0f) continue;
                long t1 = Stopwatch.GetTimestamp();
                net.Runner.Run(modelInput, h, w, t, scale, conditioning, residuals, accumulate: any);
                _modelTicks += Stopwatch.GetTimestamp() - t1;
                any = true;
            }
            long t2 = Stopwatch.GetTimestamp();
            _unet.Run(modelInput, h, w, t, request.IpAdapterScale, pass.UNet, any ? residuals : null, noisePred);
            _modelTicks += Stopwatch.GetTimestamp() - t2;
        }

        // time inside the model calls of the current run, so benchmarks can report the host's share of a step
        long _modelTicks;

        static TimeSpan Ticks(long stopwatchTicks) => TimeSpan.FromSeconds((double)stopwatchTicks / Stopwatch.Frequency);

        /// <summary>
        /// Per-region blending weights at latent resolution ([h·w] each, summing to 1 at every position): each region's
        /// mask averaged over 8×8 pixel blocks; where masks overlap beyond 1 they are divided by their sum; where they
        /// cover less than 1 the rest is shared equally (the background gets the mean of the identities' predictions).
        /// </summary>
        public static float[][] RegionWeights(IReadOnlyList<float[]> masks, int height, int width)
        {
            if (masks == null || masks.Count == 0) throw new ArgumentException("at least one region mask is needed", nameof(masks));
            int r = masks.Count;
            var weights = new float[r][];
            for (int k = 0; k < r; k++)
            {
                if (masks[k].Length != height * width)
                    throw new InstantIdException($"Region mask {k} must be [{height},{width}] (image pixels); got {masks[k].Length} values.");
                weights[k] = RegionMasks.ToLatent(masks[k], height, width);
            }
            int plane = weights[0].Length;
            for (int j = 0; j < plane; j++)
            {
                float sum = 0f;
                for (int k = 0; k < r; k++) sum += weights[k][j] = Math.Max(0f, weights[k][j]);
                if (sum > 1f) for (int k = 0; k < r; k++) weights[k][j] /= sum;
                else { float share = (1f - sum) / r; for (int k = 0; k < r; k++) weights[k][j] += share; }
            }
            return weights;
        }

        static float[] Batch(bool cfg, float[]? unconditional, float[] conditional)
        {
            if (!cfg) return conditional;
            var result = new float[2 * conditional.Length];
            unconditional!.CopyTo(result, 0);
            conditional.CopyTo(result, conditional.Length);
            return result;
        }

        static float[] Repeat(float[] image, int batch)
        {
            if (batch == 1) return image;
            var result = new float[image.Length * batch];
            for (int b = 0; b < batch; b++) image.CopyTo(result, b * image.Length);
            return result;
        }

        static void Validate(DenoiseRequest r, bool cfg)
        {
            if (r.Width <= 0 || r.Height <= 0 || r.Width % 8 != 0 || r.Height % 8 != 0)
                throw new InstantIdException($"Image size {r.Width}×{r.Height} is not usable: width and height must be positive multiples of 8 (SDXL: 1024×1024).");
            if (!(r.ControlGuidanceStart >= 0f && r.ControlGuidanceStart < r.ControlGuidanceEnd && r.ControlGuidanceEnd <= 1f))
                throw new InstantIdException($"ControlGuidanceStart ({r.ControlGuidanceStart}) must be below ControlGuidanceEnd ({r.ControlGuidanceEnd}), both within 0..1 (as diffusers' check_inputs).");
            foreach (var extra in r.ExtraControlNets)
                if (!(extra.GuidanceStart >= 0f && extra.GuidanceStart < extra.GuidanceEnd && extra.GuidanceEnd <= 1f))
                    throw new InstantIdException($"An extra ControlNet's GuidanceStart ({extra.GuidanceStart}) must be below its GuidanceEnd ({extra.GuidanceEnd}), both within 0..1.");
            if (r.Steps < 1)
                throw new InstantIdException($"Steps must be at least 1 (InstantID default 30); got {r.Steps}.");
            if (r.IdentityNetMask != null && r.IdentityNetMask.Length != r.Width * r.Height)
                throw new InstantIdException($"IdentityNetMask must be [{r.Height},{r.Width}] in 0..1 (RegionMasks.Box); got {r.IdentityNetMask.Length} values.");
            if (r.InitLatents != null && !(r.Strength > 0 && r.Strength <= 1))
                throw new InstantIdException($"img2img Strength must be in (0, 1]; got {r.Strength}.");
            if (r.Regions.Count > 0)
            {
                ValidateRegions(r, cfg);
                return;
            }
            ValidateIdentity(r, cfg, r.IdentityTokens, r.UnconditionalIdentityTokens, r.ControlImage, "");
        }

        static void ValidateRegions(DenoiseRequest r, bool cfg)
        {
            for (int k = 0; k < r.Regions.Count; k++)
            {
                var region = r.Regions[k];
                ValidateIdentity(r, cfg, region.IdentityTokens, region.UnconditionalIdentityTokens, region.ControlImage, $"Region {k}: ");
                if (region.Mask.Length != r.Width * r.Height)
                    throw new InstantIdException($"Region {k}: the mask must be [{r.Height},{r.Width}] in 0..1 (RegionMasks.Box); got {region.Mask.Length} values.");
                if (region.IdentityTokens.Length != r.Regions[0].IdentityTokens.Length)
                    throw new InstantIdException($"Region {k}: identity tokens must have the same shape in every region.");
            }
        }

        static void ValidateIdentity(DenoiseRequest r, bool cfg, float[] identityTokens, float[]? unconditionalTokens, float[] controlImage, string where)
        {
            if (r.IdentityTokenCount < 1 || identityTokens.Length == 0 || identityTokens.Length % r.IdentityTokenCount != 0)
                throw new InstantIdException($"{where}IdentityTokens must be the {r.IdentityTokenCount} identity tokens [1,{r.IdentityTokenCount},C] from IdentityTokenizer.Encode (use DenoiseRequest.UseIdentity).");
            int hidden = identityTokens.Length / r.IdentityTokenCount;
            if (r.PromptEmbeds.Length == 0 || r.PromptEmbeds.Length % hidden != 0)
                throw new InstantIdException($"PromptEmbeds must be [1,77k,{hidden}] (the same width C as the identity tokens); got {r.PromptEmbeds.Length} values.");
            if (r.PooledPromptEmbeds.Length == 0)
                throw new InstantIdException("PooledPromptEmbeds (text encoder 2's text_embeds) are missing.");
            if (cfg)
            {
                if (r.NegativePromptEmbeds == null || r.NegativePromptEmbeds.Length != r.PromptEmbeds.Length)
                    throw new InstantIdException("Guidance scale > 1 needs NegativePromptEmbeds of the same shape as PromptEmbeds (encode an empty negative prompt if there is none).");
                if (r.NegativePooledPromptEmbeds == null || r.NegativePooledPromptEmbeds.Length != r.PooledPromptEmbeds.Length)
                    throw new InstantIdException("Guidance scale > 1 needs NegativePooledPromptEmbeds of the same shape as PooledPromptEmbeds.");
                if (unconditionalTokens == null || unconditionalTokens.Length != identityTokens.Length)
                    throw new InstantIdException($"{where}Guidance scale > 1 needs UnconditionalIdentityTokens (IdentityTokenizer.Encode with guidance gives them).");
            }
            int image = 3 * r.Width * r.Height;
            if (controlImage.Length != image)
                throw new InstantIdException($"{where}ControlImage must be the landmark image [3,{r.Height},{r.Width}] in 0..1; got {controlImage.Length} values.");
            foreach (var extra in r.ExtraControlNets)
                if (extra.Image.Length != image)
                    throw new InstantIdException($"Every extra ControlNet image must be [3,{r.Height},{r.Width}] in 0..1; got {extra.Image.Length} values.");
            int latent = 4 * (r.Width / 8) * (r.Height / 8);
            if (r.InitialNoise != null && r.InitialNoise.Length != latent)
                throw new InstantIdException($"InitialNoise must be [1,4,{r.Height / 8},{r.Width / 8}]; got {r.InitialNoise.Length} values.");
            if (r.InitLatents != null && r.InitLatents.Length != latent)
                throw new InstantIdException($"InitLatents must be [1,4,{r.Height / 8},{r.Width / 8}]; got {r.InitLatents.Length} values.");
        }
    }
}
