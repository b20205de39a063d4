using System;
using System.Globalization;
using InstantIdAvatars.Faces;

namespace InstantIdAvatars.Authoring
{
    /// <summary>What a face check tells the player (the webcam portrait sample's "look at the camera" line).</summary>
    public enum FaceFeedbackKind
    {
        /// <summary>One face, big enough: generation can start.</summary>
        Ready,
        /// <summary>No face in the frame.</summary>
        NoFace,
        /// <summary>The face is too small in the frame.</summary>
        TooSmall,
        /// <summary>More than one usable face in the frame.</summary>
        SeveralFaces,
        /// <summary>The check itself failed (models missing, bad image…); the message says why.</summary>
        Error,
    }

    /// <summary>The outcome of a face check: a kind for the UI to switch on and one short sentence to show.</summary>
    public sealed class FaceFeedback
    {
        public FaceFeedback(FaceFeedbackKind kind, string message, float faceFraction = 0f, int faceCount = 0)
        {
            Kind = kind;
            Message = message ?? throw new ArgumentNullException(nameof(message));
            FaceFraction = faceFraction;
            FaceCount = faceCount;
        }

        public FaceFeedbackKind Kind { get; }

        /// <summary>One sentence for the player, saying what to do.</summary>
        public string Message { get; }

        /// <summary>Shorter side of the largest face box over the shorter image side (0 when there is no face).</summary>
        public float FaceFraction { get; }

        /// <summary>Usable faces found (0 when the check failed or found none).</summary>
        public int FaceCount { get; }

        /// <summary>True when the photo is good to generate from.</summary>
        public bool CanGenerate => Kind == FaceFeedbackKind.Ready;

        public override string ToString() => Kind + ": " + Message;
    }

    /// <summary>
    /// Turns the result of <c>InstantIdGenerator.AnalyzeFacesAsync</c> on a webcam snapshot (or the exception it
    /// threw) into player feedback. Stricter than the analyser on purpose: the analyser accepts any face of 40 px,
    /// but a webcam portrait wants the face to fill a good part of the frame, and exactly one person in it
    /// (InstantID would silently use the largest face).
    /// </summary>
    public static class SampleFaceFeedback
    {
        /// <summary>
        /// Default minimum face size: the face box's shorter side over the image's shorter side. 0.2 is a face about
        /// 1.2 m from a typical 60° webcam; nearer (a selfie at arm's length is about 0.4) is fine.
        /// </summary>
        public const float DefaultMinFaceFraction = 0.2f;

        public const string NoFaceMessage = "No face — look at the camera.";
        public const string SeveralFacesMessage = "One face please — {0} faces are in the picture.";
        public const string TooSmallMessage = "Move closer — your face is too small in the picture.";
        public const string ReadyMessage = "Looks good — pick a style and press Generate.";

        /// <summary>Feedback for a successful analysis.</summary>
        /// <param name="analysis">What the analyser found.</param>
        /// <param name="minFaceFraction">Smallest accepted face (shorter box side / shorter image side), 0..1.</param>
        public static FaceFeedback Evaluate(FaceAnalysis analysis, float minFaceFraction = DefaultMinFaceFraction)
        {
            if (analysis == null) throw new ArgumentNullException(nameof(analysis));
            CheckFraction(minFaceFraction);
            int count = analysis.Faces.Count;
            float fraction = Fraction(analysis.Largest.Box.ShorterSide, analysis.ImageWidth, analysis.ImageHeight);
            if (count > 1)
                return new FaceFeedback(FaceFeedbackKind.SeveralFaces,
                    string.Format(CultureInfo.InvariantCulture, SeveralFacesMessage, count), fraction, count);
            if (fraction < minFaceFraction)
                return new FaceFeedback(FaceFeedbackKind.TooSmall, TooSmallMessage, fraction, count);
            return new FaceFeedback(FaceFeedbackKind.Ready, ReadyMessage, fraction, count);
        }

        /// <summary>
        /// Feedback for a failed analysis: no face and too-small faces become player instructions; anything else
        /// is an <see cref="FaceFeedbackKind.Error"/> carrying the exception's message (which says what to fix).
        /// </summary>
        public static FaceFeedback Evaluate(Exception error)
        {
            if (error == null) throw new ArgumentNullException(nameof(error));
            // Task.Wait and friends wrap the real error
            if (error is AggregateException aggregate && aggregate.InnerExceptions.Count == 1)
                return Evaluate(aggregate.InnerExceptions[0]);
            switch (error)
            {
                case NoFaceFoundException _:
                    return new FaceFeedback(FaceFeedbackKind.NoFace, NoFaceMessage);
                case FaceTooSmallException _:
                    return new FaceFeedback(FaceFeedbackKind.TooSmall, TooSmallMessage);
                default:
                    return new FaceFeedback(FaceFeedbackKind.Error, error.Message);
            }
        }

        static float Fraction(float shorterSide, int width, int height)
        {
            int side = Math.Min(width, height);
            return side > 0 ? shorterSide / side : 0f;
        }

        static void CheckFraction(float value)
        {
            if (!(value >= 0f && value <= 1f))
                throw new ArgumentOutOfRangeException(nameof(value), value, "The minimum face fraction must be between 0 and 1 (0.2 = a fifth of the frame).");
        }
    }
}
