namespace InstantIdAvatars.Faces
{
    /// <summary>No face was detected in a photo.</summary>
    public sealed class NoFaceFoundException : InstantIdException
    {
        public NoFaceFoundException(int width, int height, float threshold)
            : base($"No face was found in the {width}x{height} image (detection score threshold {threshold:0.##}). " +
                   "Use a photo where the face is large, frontal, well lit and not covered; move closer to the camera or brighten the scene.")
        {
            ImageWidth = width;
            ImageHeight = height;
            Threshold = threshold;
        }

        public int ImageWidth { get; }
        public int ImageHeight { get; }
        public float Threshold { get; }
    }

    /// <summary>Faces were found, but all are too small to give a reliable identity.</summary>
    public sealed class FaceTooSmallException : InstantIdException
    {
        public FaceTooSmallException(float shorterSide, float minimum, int width, int height)
            : base($"The face found in the {width}x{height} image is only {shorterSide:0} px across (minimum {minimum:0} px on the box's shorter side). " +
                   "Use a photo where the face fills more of the frame, or crop the photo around the face.")
        {
            ShorterSide = shorterSide;
            Minimum = minimum;
        }

        public float ShorterSide { get; }
        public float Minimum { get; }
    }

    /// <summary>A face model (detector or recognizer) does not have the inputs/outputs this package expects.</summary>
    public sealed class FaceModelException : InstantIdException
    {
        public FaceModelException(string message) : base(message) { }
    }
}
