namespace InstantIdAvatars.Models
{
    /// <summary>
    /// A generation model (UNet, ControlNet, VAE, image projection) does not have the inputs or outputs the model-set
    /// contract names, or was given tensors of the wrong size. The message names the model and the tensor.
    /// </summary>
    public sealed class ModelBindingException : InstantIdException
    {
        public ModelBindingException(string message) : base(message) { }
    }
}
