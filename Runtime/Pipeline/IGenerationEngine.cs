using System;
using System.Collections.Generic;
using System.Threading;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Profiles;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>
    /// Does the work of the generator's jobs on its worker thread. The real engine runs the ONNX pipeline;
    /// tests plug in their own to exercise queueing, cancellation and disposal.
    /// </summary>
    interface IGenerationEngine : IDisposable
    {
        GenerationResult Generate(GenerationRequest request, Action<GenerationProgress> report, CancellationToken cancellation);

        /// <summary>Detects and embeds the faces of one image.</summary>
        FaceAnalysis AnalyzeFaces(Image<Rgb24> image);

        /// <summary>Builds an identity profile from photos of one person.</summary>
        IdentityProfile CreateProfile(IReadOnlyList<(string Label, Image<Rgb24> Image)> photos, string name);
    }
}
