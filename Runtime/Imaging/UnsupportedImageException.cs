using System;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// An image that cannot be used: empty, truncated or corrupt, of an unknown format, or larger than the
    /// configured limits. The message says which, and what to do about it.
    /// </summary>
    public sealed class UnsupportedImageException : InstantIdException
    {
        public UnsupportedImageException(string message) : base(message) { }
        public UnsupportedImageException(string message, Exception inner) : base(message, inner) { }
    }
}
