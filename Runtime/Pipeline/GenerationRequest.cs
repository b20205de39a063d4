using System;
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>An additional ControlNet (controlnet_&lt;name&gt;/ in the set) with its own image, scale and window.</summary>
    public sealed class ExtraControl
    {
        public string Name { get; set; } = "";
        /// <summary>Condition image file (depth map, pose skeleton, edges…); resized to the output size.</summary>
        public string? ImagePath { get; set; }
        [JsonIgnore] public Image<Rgb24>? Image { get; set; }
        public float Scale { get; set; } = 0.5f;
        public float Start { get; set; }
        public float End { get; set; } = 1f;
    }

    /// <summary>
    /// One identity of a several-identity image (the paper's multi-identity application): who (a photo, an image or a
    /// profile), where (a rectangle in output pixels) and optionally the pose (five points in output pixels).
    /// </summary>
    public sealed class IdentityRegionRequest
    {
        /// <summary>A face photo of this person.</summary>
        public string? FacePhotoPath { get; set; }
        [JsonIgnore] public Image<Rgb24>? FaceImage { get; set; }
        /// <summary>A saved identity profile file (.iidprofile).</summary>
        public string? ProfilePath { get; set; }
        [JsonIgnore] public Profiles.IdentityProfile? Profile { get; set; }
        /// <summary>The region in output pixels (left, top, width, height).</summary>
        public int X { get; set; }
        public int Y { get; set; }
        public int Width { get; set; }
        public int Height { get; set; }
        /// <summary>Pose as five points (x0,y0,…,x4,y4) in output pixels; null = the photo's face fitted into the region.</summary>
        public float[]? PoseKeypoints { get; set; }

        internal IdentityRegionRequest Copy()
        {
            var copy = (IdentityRegionRequest)MemberwiseClone();
            copy.PoseKeypoints = (float[]?)PoseKeypoints?.Clone();
            return copy;
        }
    }

    /// <summary>
    /// Everything one generation needs. Defaults follow InstantID's demo (30 steps, CFG 5, ip scale 0.8,
    /// IdentityNet scale 0.8) and the model set's default size. The result carries a copy with every value
    /// resolved (seed, size, scheduler), which reproduces the image.
    /// </summary>
    public sealed class GenerationRequest
    {
        // Identity: photos, images or a saved profile (exactly one kind).
        public List<string> FacePhotoPaths { get; set; } = new List<string>();
        [JsonIgnore] public List<Image<Rgb24>> FaceImages { get; set; } = new List<Image<Rgb24>>();
        /// <summary>A saved identity profile file (.iidprofile).</summary>
        public string? ProfilePath { get; set; }
        [JsonIgnore] public Profiles.IdentityProfile? Profile { get; set; }
        /// <summary>How several photos of one person become one identity (the paper's multi-reference mode is Average).</summary>
        public Faces.MultiReferenceMode Combine { get; set; } = Faces.MultiReferenceMode.Average;

        public string Prompt { get; set; } = "";
        public string NegativePrompt { get; set; } = "";
        /// <summary>Prompt for the second text encoder (diffusers' prompt_2); null = same as <see cref="Prompt"/>.</summary>
        public string? Prompt2 { get; set; }
        public string? NegativePrompt2 { get; set; }
        /// <summary>Read A1111 weighting syntax such as (word:1.3) and [word]; off = literal text, as diffusers.</summary>
        public bool PromptWeighting { get; set; }

        /// <summary>Output size in pixels, multiples of 8; 0 = the model set's default size.</summary>
        public int Width { get; set; }
        public int Height { get; set; }
        public int Steps { get; set; } = 30;
        public float GuidanceScale { get; set; } = 5f;
        public float IpAdapterScale { get; set; } = 0.8f;
        public float IdentityNetScale { get; set; } = 0.8f;
        /// <summary>Fraction of the steps where IdentityNet starts/stops acting (diffusers' control_guidance_start/end).</summary>
        public float IdentityNetStart { get; set; }
        public float IdentityNetEnd { get; set; } = 1f;
        /// <summary>Seed of the initial noise (torch.randn-compatible); null = random, reported in the result.</summary>
        public long? Seed { get; set; }
        /// <summary>Scheduler short name (euler, euler_a, dpmpp_2m, dpmpp_2m_karras, ddim, lcm) or null for the set's.</summary>
        public string? Scheduler { get; set; }

        /// <summary>Pose from another photo: its face's keypoints are re-fitted to the output size.</summary>
        public string? PosePhotoPath { get; set; }
        [JsonIgnore] public Image<Rgb24>? PoseImage { get; set; }
        /// <summary>Pose as five points (x0,y0,…,x4,y4) in output pixels, insightface order (from a pose rig).</summary>
        public float[]? PoseKeypoints { get; set; }

        public List<ExtraControl> ExtraControls { get; set; } = new List<ExtraControl>();

        /// <summary>img2img: the start image file; resized to the output size and encoded (needs vae_encoder/ in the set).</summary>
        public string? InitImagePath { get; set; }
        /// <summary>img2img: the start image (not serialised; the caller keeps ownership).</summary>
        [JsonIgnore] public Image<Rgb24>? InitImage { get; set; }
        /// <summary>img2img strength in (0, 1]: the fraction of the schedule that is run (1 = from pure noise level,
        /// still starting from the noised image); null = 0.8 (diffusers' default) when a start image is given.</summary>
        public double? Strength { get; set; }

        /// <summary>
        /// Face-region refinement (InstantID demo's "enhance face region"): IdentityNet acts only inside the face box
        /// (estimated from the pose keypoints), so the landmarks constrain the face and leave the rest to the prompt.
        /// </summary>
        public bool FaceRegionMask { get; set; }
        /// <summary>Soft edge of the face-region mask as a fraction of the box side (0 = the demo's hard box).</summary>
        public float FaceRegionFeather { get; set; } = 0.1f;

        /// <summary>
        /// Several identities in one image; when given, the request's own identity (photos, images, profile) and pose
        /// must be empty. Each region gets its identity tokens and landmark map; see docs/diffusion.md.
        /// </summary>
        public List<IdentityRegionRequest> Regions { get; set; } = new List<IdentityRegionRequest>();
        /// <summary>Soft edge of the region masks in output pixels.</summary>
        public float RegionFeather { get; set; } = 8f;

        /// <summary>Send a cheap latent preview with each step's progress.</summary>
        public bool Previews { get; set; }

        /// <summary>Marks the internal warm-up request (loads models, generates nothing).</summary>
        [JsonIgnore] internal bool IsWarmUp { get; private set; }

        internal static GenerationRequest WarmUp => new GenerationRequest { IsWarmUp = true };

        /// <summary>A copy, so a caller changing the request after queueing it does not change the queued job.</summary>
        public GenerationRequest Clone()
        {
            var copy = (GenerationRequest)MemberwiseClone();
            copy.FacePhotoPaths = new List<string>(FacePhotoPaths);
            copy.FaceImages = new List<Image<Rgb24>>(FaceImages);
            copy.PoseKeypoints = (float[]?)PoseKeypoints?.Clone();
            copy.ExtraControls = ExtraControls.Select(c => c.MemberwiseCloneExtra()).ToList();
            copy.Regions = Regions.Select(r => r.Copy()).ToList();
            return copy;
        }

        /// <summary>
        /// Longest prompt or negative prompt accepted (characters). Every 75 tokens add a 77-token chunk that the
        /// text encoders and every UNet cross-attention process, so unbounded text from a player could exhaust memory.
        /// </summary>
        public const int MaxPromptLength = 20000;

        /// <summary>Checks the values a caller set; throws <see cref="InvalidRequestException"/> listing every problem.</summary>
        public void Validate()
        {
            if (IsWarmUp) return;
            var problems = new List<string>();
            int identities = (FacePhotoPaths.Count > 0 ? 1 : 0) + (FaceImages.Count > 0 ? 1 : 0) + (ProfilePath != null ? 1 : 0) + (Profile != null ? 1 : 0);
            if (Regions.Count > 0)
            {
                if (identities > 0) problems.Add("with Regions, give each identity in its region, not in the request itself");
                if (PoseKeypoints != null || PosePhotoPath != null || PoseImage != null) problems.Add("with Regions, give the pose per region (IdentityRegionRequest.PoseKeypoints), not in the request itself");
                for (int i = 0; i < Regions.Count; i++)
                {
                    var r = Regions[i];
                    int kinds = (r.FacePhotoPath != null ? 1 : 0) + (r.FaceImage != null ? 1 : 0) + (r.ProfilePath != null ? 1 : 0) + (r.Profile != null ? 1 : 0);
                    if (kinds != 1) problems.Add($"region {i} needs exactly one identity (a face photo, a face image or a profile)");
                    if (r.Width <= 0 || r.Height <= 0) problems.Add($"region {i} needs a positive Width and Height in output pixels");
                    if (Width > 0 && Height > 0 && (r.X < 0 || r.Y < 0 || r.X + r.Width > Width || r.Y + r.Height > Height))
                        problems.Add($"region {i} ({r.X},{r.Y} {r.Width}×{r.Height}) must lie inside the {Width}×{Height} output");
                    if (r.PoseKeypoints != null && (r.PoseKeypoints.Length != 10 || r.PoseKeypoints.Any(v => float.IsNaN(v) || float.IsInfinity(v))))
                        problems.Add($"region {i} PoseKeypoints must be 10 finite numbers");
                }
                if (!(RegionFeather >= 0 && RegionFeather <= 1000)) problems.Add($"RegionFeather must be 0..1000 pixels, found {RegionFeather}");
                identities = 1;
            }
            if (identities == 0) problems.Add("no identity: give a face photo, a face image or an identity profile");
            if (identities > 1) problems.Add("give only one kind of identity (photos, images or a profile), not several");
            if (Prompt == null) problems.Add("Prompt is null (use \"\" for none)");
            foreach (var (name, text) in new[] { ("Prompt", Prompt), ("NegativePrompt", NegativePrompt), ("Prompt2", Prompt2), ("NegativePrompt2", NegativePrompt2) })
                if (text != null && text.Length > MaxPromptLength)
                    problems.Add($"{name} is {text.Length} characters; at most {MaxPromptLength} are accepted (shorten it)");
            if (Width < 0 || Height < 0 || Width % 8 != 0 || Height % 8 != 0 || Width > 4096 || Height > 4096)
                problems.Add($"size {Width}×{Height} must be 0 (model default) or a multiple of 8 up to 4096");
            if (Steps < 1 || Steps > 1000) problems.Add($"Steps must be 1..1000, found {Steps}");
            if (!(GuidanceScale >= 0 && GuidanceScale <= 50)) problems.Add($"GuidanceScale must be 0..50, found {GuidanceScale}");
            if (!(IpAdapterScale >= 0 && IpAdapterScale <= 5)) problems.Add($"IpAdapterScale must be 0..5, found {IpAdapterScale}");
            if (!(IdentityNetScale >= 0 && IdentityNetScale <= 5)) problems.Add($"IdentityNetScale must be 0..5, found {IdentityNetScale}");
            if (!(IdentityNetStart >= 0 && IdentityNetStart < IdentityNetEnd && IdentityNetEnd <= 1))
                problems.Add($"IdentityNet window must satisfy 0 ≤ start < end ≤ 1, found {IdentityNetStart}..{IdentityNetEnd}");
            if (PoseKeypoints != null && (PoseKeypoints.Length != 10 || PoseKeypoints.Any(v => float.IsNaN(v) || float.IsInfinity(v) || Math.Abs(v) > 100000)))
                problems.Add("PoseKeypoints must be 10 finite numbers (x,y of left eye, right eye, nose, left and right mouth corner)");
            if (PoseKeypoints != null && (PosePhotoPath != null || PoseImage != null))
                problems.Add("give the pose either as keypoints or as a photo, not both");
            foreach (var c in ExtraControls)
            {
                if (string.IsNullOrWhiteSpace(c.Name)) problems.Add("an extra ControlNet has no name");
                if (c.Image == null && c.ImagePath == null) problems.Add($"extra ControlNet '{c.Name}' has no condition image");
                if (!(c.Scale >= 0 && c.Scale <= 5)) problems.Add($"extra ControlNet '{c.Name}' scale must be 0..5");
                if (!(c.Start >= 0 && c.Start < c.End && c.End <= 1)) problems.Add($"extra ControlNet '{c.Name}' window must satisfy 0 ≤ start < end ≤ 1");
            }
            if (InitImagePath != null && InitImage != null) problems.Add("give the img2img start image either as a path or as an image, not both");
            if (Strength.HasValue && !(Strength.Value > 0 && Strength.Value <= 1))
                problems.Add($"Strength must be in (0, 1] (img2img: 1 = run the whole schedule), found {Strength.Value}");
            // as diffusers' get_timesteps: int(steps × strength) steps run; zero would fail only after the faces and text ran
            double strength = Strength ?? 0.8;
            if ((InitImagePath != null || InitImage != null) && strength > 0 && strength <= 1 && Steps >= 1 && (int)(Steps * strength) < 1)
                problems.Add($"img2img with {Steps} steps at strength {strength.ToString(System.Globalization.CultureInfo.InvariantCulture)} runs no denoising step (int(steps × strength) = 0); raise Steps or Strength");
            if (Strength.HasValue && InitImagePath == null && InitImage == null)
                problems.Add("Strength is set but there is no start image (InitImagePath or InitImage)");
            if (!(FaceRegionFeather >= 0 && FaceRegionFeather <= 1)) problems.Add($"FaceRegionFeather must be 0..1 (fraction of the face box), found {FaceRegionFeather}");
            if (problems.Count > 0) throw new InvalidRequestException(problems);
        }
    }

    /// <summary>A request has values the pipeline cannot use; lists each.</summary>
    public sealed class InvalidRequestException : InstantIdException
    {
        public IReadOnlyList<string> Problems { get; }

        public InvalidRequestException(IReadOnlyList<string> problems)
            : base("The generation request cannot be run: " + string.Join("; ", problems) + ".") => Problems = problems;
    }

    static class ExtraControlCloning
    {
        public static ExtraControl MemberwiseCloneExtra(this ExtraControl c) => new ExtraControl
        {
            Name = c.Name, ImagePath = c.ImagePath, Image = c.Image, Scale = c.Scale, Start = c.Start, End = c.End,
        };
    }
}
