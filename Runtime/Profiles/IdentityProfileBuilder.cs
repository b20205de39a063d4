using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using InstantIdAvatars.Faces;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace InstantIdAvatars.Profiles
{
    /// <summary>Builds an identity profile from one or more photos of one person.</summary>
    public static class IdentityProfileBuilder
    {
        /// <summary>Side of the stored face thumbnail (the aligned ArcFace crop, upscaled for inspectors).</summary>
        public const int ThumbnailSize = 112;

        /// <summary>
        /// Analyses every photo (largest face of each, as InstantID does), and stores each raw embedding, its
        /// keypoints, the photo's size, and how similar it is to the others. The thumbnail is the aligned face of
        /// the first photo. Throws <see cref="NoFaceFoundException"/> naming the photo without a face.
        /// </summary>
        public static IdentityProfile Build(FaceAnalyzer analyzer, IReadOnlyList<(string Label, Image<Rgb24> Image)> photos, string name)
        {
            if (analyzer == null) throw new ArgumentNullException(nameof(analyzer));
            if (photos == null || photos.Count == 0) throw new InstantIdException("Give at least one photo to build an identity profile from.");
            if (photos.Count > IdentityProfileFile.MaxPhotos) throw new InstantIdException($"A profile holds at most {IdentityProfileFile.MaxPhotos} photos; {photos.Count} were given.");
            var profile = new IdentityProfile { Name = name ?? "", CreatedUtc = DateTime.UtcNow };
            foreach (var (label, image) in photos)
            {
                FaceAnalysis analysis;
                try { analysis = analyzer.Analyze(image); }
                catch (InstantIdException e) { throw new InstantIdException($"{label}: {e.Message}", e); }
                var face = analysis.Largest;
                profile.Embeddings.Add(face.Embedding!);
                profile.Keypoints.Add(PoseKeypoints.Flatten(face.Keypoints));
                profile.Sources.Add(new ProfileSource
                {
                    Label = label, ImageWidth = image.Width, ImageHeight = image.Height, DetectionScore = face.Score, FacesFound = analysis.Faces.Count,
                });
                if (profile.Thumbnail.Length == 0)
                {
                    using var crop = ArcFaceAligner.NormCrop(image, face.Keypoints, ThumbnailSize);
                    using var png = new MemoryStream();
                    crop.SaveAsPng(png);
                    profile.Thumbnail = png.ToArray();
                }
            }
            var similarity = IdentityEmbedding.SimilarityToMean(profile.Embeddings);
            for (int i = 0; i < similarity.Length; i++) profile.Sources[i].SimilarityToMean = similarity[i];
            profile.Validate();
            return profile;
        }
    }
}
