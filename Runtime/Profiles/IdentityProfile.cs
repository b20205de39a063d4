using System;
using System.Collections.Generic;
using System.Linq;

namespace InstantIdAvatars.Profiles
{
    /// <summary>One photo that went into a profile, with what face analysis said about it.</summary>
    public sealed class ProfileSource
    {
        /// <summary>File name (no folder) or a caller's label such as "webcam".</summary>
        public string Label { get; set; } = "";
        public int ImageWidth { get; set; }
        public int ImageHeight { get; set; }
        /// <summary>Detector confidence of the face used.</summary>
        public float DetectionScore { get; set; }
        /// <summary>Faces found in the photo (the largest was used).</summary>
        public int FacesFound { get; set; }
        /// <summary>Cosine similarity of this photo's embedding to the mean of all photos (outliers are low).</summary>
        public float SimilarityToMean { get; set; }
    }

    /// <summary>
    /// A person's identity, saved so a game analyses a photo once and reuses it: the raw ArcFace embedding of each
    /// photo (what InstantID feeds its Resampler), the five keypoints of each face (a default pose), a small face
    /// thumbnail, and where each photo came from. Saved with <see cref="IdentityProfileFile"/>.
    /// </summary>
    public sealed class IdentityProfile
    {
        /// <summary>Length of an ArcFace (antelopev2 glintr100) embedding.</summary>
        public const int EmbeddingLength = 512;

        public string Name { get; set; } = "";
        public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;
        /// <summary>One raw (not normalised) embedding per photo.</summary>
        public List<float[]> Embeddings { get; set; } = new List<float[]>();
        /// <summary>Five keypoints (x0,y0,…,x4,y4) per photo, in that photo's pixels.</summary>
        public List<float[]> Keypoints { get; set; } = new List<float[]>();
        public List<ProfileSource> Sources { get; set; } = new List<ProfileSource>();
        /// <summary>PNG bytes of a small face crop for inspectors and galleries (may be empty).</summary>
        public byte[] Thumbnail { get; set; } = Array.Empty<byte>();
        public string Notes { get; set; } = "";

        /// <summary>Throws <see cref="ProfileFormatException"/> when the profile cannot be used.</summary>
        public void Validate()
        {
            if (Embeddings.Count == 0) throw new ProfileFormatException("the profile has no face embedding: create it from at least one photo with a face");
            if (Embeddings.Count > IdentityProfileFile.MaxPhotos) throw new ProfileFormatException($"the profile has {Embeddings.Count} embeddings; at most {IdentityProfileFile.MaxPhotos} are allowed");
            foreach (var e in Embeddings)
            {
                if (e == null || e.Length != EmbeddingLength) throw new ProfileFormatException($"an embedding has {e?.Length ?? 0} values; ArcFace embeddings have {EmbeddingLength}");
                if (e.Any(v => float.IsNaN(v) || float.IsInfinity(v))) throw new ProfileFormatException("an embedding contains NaN or infinity");
            }
            if (Keypoints.Count != 0 && Keypoints.Count != Embeddings.Count) throw new ProfileFormatException($"the profile has {Keypoints.Count} keypoint sets for {Embeddings.Count} embeddings");
            foreach (var k in Keypoints)
                if (k == null || k.Length != 10 || k.Any(v => float.IsNaN(v) || float.IsInfinity(v))) throw new ProfileFormatException("keypoints must be 10 finite numbers per photo");
            if (Thumbnail.Length > IdentityProfileFile.MaxThumbnailBytes) throw new ProfileFormatException($"the thumbnail is {Thumbnail.Length} bytes; at most {IdentityProfileFile.MaxThumbnailBytes} are allowed");
        }
    }

    /// <summary>A profile file is damaged, hostile, too large, or from a newer version.</summary>
    public sealed class ProfileFormatException : InstantIdException
    {
        public ProfileFormatException(string problem) : base("Identity profile cannot be used: " + problem + ".") { }
        public ProfileFormatException(string problem, Exception inner) : base("Identity profile cannot be used: " + problem + ".", inner) { }
    }
}
