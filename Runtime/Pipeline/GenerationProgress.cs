using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>The stages a request goes through, in order.</summary>
    public enum GenerationStage
    {
        Queued,
        LoadingModels,
        FaceAnalysis,
        TextEncoding,
        IdentityTokens,
        Denoising,
        Decoding,
        Done,
    }

    /// <summary>A progress report: the stage, and within denoising the step (1-based) of the total.</summary>
    public sealed class GenerationProgress
    {
        public GenerationStage Stage { get; }
        public int Step { get; }
        public int TotalSteps { get; }
        /// <summary>The scheduler timestep of the step (denoising only).</summary>
        public float Timestep { get; }
        /// <summary>
        /// A cheap approximate preview of the current latents, when the request asked for previews. The receiver of
        /// the report owns it: dispose it when done (a new image comes with every step).
        /// </summary>
        public Image<Rgb24>? Preview { get; }

        public GenerationProgress(GenerationStage stage, int step = 0, int totalSteps = 0, float timestep = 0, Image<Rgb24>? preview = null)
        {
            Stage = stage; Step = step; TotalSteps = totalSteps; Timestep = timestep; Preview = preview;
        }

        /// <summary>Overall fraction done in 0..1 (denoising dominates the time, so it gets most of the bar).</summary>
        public float Fraction => Stage switch
        {
            GenerationStage.Queued => 0f,
            GenerationStage.LoadingModels => 0.01f,
            GenerationStage.FaceAnalysis => 0.02f,
            GenerationStage.TextEncoding => 0.04f,
            GenerationStage.IdentityTokens => 0.05f,
            GenerationStage.Denoising => TotalSteps > 0 ? 0.05f + 0.9f * Step / TotalSteps : 0.05f,
            GenerationStage.Decoding => 0.95f,
            _ => 1f,
        };

        public override string ToString() => Stage == GenerationStage.Denoising ? $"{Stage} {Step}/{TotalSteps}" : Stage.ToString();
    }
}
