using System;
using System.Globalization;
using System.Numerics;

namespace InstantIdAvatars.Pose
{
    /// <summary>
    /// A camera pose and lens in Unity's conventions, so a UnityEngine.Camera can be copied in field by field:
    /// world position and rotation (the camera looks down its local +Z, local +Y is up), vertical field of view in
    /// degrees (Unity's <c>Camera.fieldOfView</c>) or orthographic half-height (<c>Camera.orthographicSize</c>),
    /// near clip plane and aspect (width / height).
    /// </summary>
    /// <remarks>
    /// Construction never throws so a component can fill it every frame; <see cref="Validate"/> (called by
    /// <see cref="RigProjector"/>) rejects an unusable lens with an <see cref="InstantIdException"/>.
    /// </remarks>
    public readonly struct PoseCamera
    {
        /// <summary>Unity's default near clip plane (metres).</summary>
        public const float DefaultNearClipPlane = 0.3f;

        /// <summary>Creates a camera; prefer <see cref="Perspective"/> or <see cref="CreateOrthographic"/>.</summary>
        public PoseCamera(Vector3 position, Quaternion rotation, bool orthographic, float fieldOfView,
            float orthographicSize, float nearClipPlane, float aspect)
        {
            Position = position;
            Rotation = rotation;
            Orthographic = orthographic;
            FieldOfView = fieldOfView;
            OrthographicSize = orthographicSize;
            NearClipPlane = nearClipPlane;
            Aspect = aspect;
        }

        /// <summary>World position.</summary>
        public Vector3 Position { get; }

        /// <summary>World rotation; the camera looks down its local +Z.</summary>
        public Quaternion Rotation { get; }

        /// <summary>True for an orthographic lens (<see cref="OrthographicSize"/>), false for perspective (<see cref="FieldOfView"/>).</summary>
        public bool Orthographic { get; }

        /// <summary>Vertical field of view in degrees (perspective), strictly between 0 and 180.</summary>
        public float FieldOfView { get; }

        /// <summary>Half of the vertical view height in world units (orthographic), as Unity's <c>orthographicSize</c>.</summary>
        public float OrthographicSize { get; }

        /// <summary>Near clip plane distance along the view axis; points nearer than it are flagged.</summary>
        public float NearClipPlane { get; }

        /// <summary>
        /// Width / height of the view. 0 means "the output image's aspect" (what a Unity camera does when it
        /// renders into a texture without an explicit aspect). A different value stretches the image, as an
        /// explicitly set <c>Camera.aspect</c> would.
        /// </summary>
        public float Aspect { get; }

        /// <summary>A perspective camera (Unity's defaults: 60° vertical field of view, near plane 0.3).</summary>
        public static PoseCamera Perspective(Vector3 position, Quaternion rotation, float fieldOfView = 60f,
            float nearClipPlane = DefaultNearClipPlane, float aspect = 0f) =>
            new PoseCamera(position, rotation, false, fieldOfView, 0f, nearClipPlane, aspect);

        /// <summary>An orthographic camera seeing <paramref name="orthographicSize"/> world units above and below its axis.</summary>
        public static PoseCamera CreateOrthographic(Vector3 position, Quaternion rotation, float orthographicSize,
            float nearClipPlane = DefaultNearClipPlane, float aspect = 0f) =>
            new PoseCamera(position, rotation, true, 0f, orthographicSize, nearClipPlane, aspect);

        /// <summary>The same lens at another position and rotation.</summary>
        public PoseCamera WithPose(Vector3 position, Quaternion rotation) =>
            new PoseCamera(position, rotation, Orthographic, FieldOfView, OrthographicSize, NearClipPlane, Aspect);

        /// <summary>World direction the camera looks along (its local +Z).</summary>
        public Vector3 Forward => Vector3.Transform(Vector3.UnitZ, Rotation);

        /// <summary>World direction of the image's +x (its local +X).</summary>
        public Vector3 Right => Vector3.Transform(Vector3.UnitX, Rotation);

        /// <summary>World direction of the image's up (its local +Y).</summary>
        public Vector3 Up => Vector3.Transform(Vector3.UnitY, Rotation);

        /// <summary>
        /// Throws an <see cref="InstantIdException"/> saying what to fix when the camera cannot project: field of
        /// view not in (0, 180), orthographic size ≤ 0, negative or zero perspective near plane, negative aspect,
        /// non-finite values or a zero rotation.
        /// </summary>
        public void Validate()
        {
            if (!PoseRotation.IsFinite(Position))
                throw new InstantIdException("The pose camera's position is not finite (" + Position + "); pass the camera's world position.");
            PoseRotation.NormalizeChecked(Rotation, "The pose camera's");
            if (Orthographic)
            {
                if (!(OrthographicSize > 0f) || float.IsInfinity(OrthographicSize))
                    throw new InstantIdException("The orthographic pose camera's size must be > 0 (half the view height in metres, e.g. 0.15 for a face); got " + Format(OrthographicSize) + ".");
                if (!PoseRotation.IsFinite(NearClipPlane))
                    throw new InstantIdException("The pose camera's near clip plane is not finite; use a small distance such as 0.01.");
            }
            else
            {
                if (!(FieldOfView > 0f && FieldOfView < 180f))
                    throw new InstantIdException("The pose camera's vertical field of view must be between 0 and 180 degrees (exclusive); got " + Format(FieldOfView) + ". Use e.g. 30 for a portrait lens.");
                if (!(NearClipPlane > 0f) || float.IsInfinity(NearClipPlane))
                    throw new InstantIdException("A perspective pose camera needs a near clip plane > 0 (Unity's default is 0.3); got " + Format(NearClipPlane) + ".");
            }
            if (!(Aspect >= 0f) || float.IsInfinity(Aspect))
                throw new InstantIdException("The pose camera's aspect must be width/height > 0, or 0 to follow the output size; got " + Format(Aspect) + ".");
        }

        static string Format(float value) => value.ToString("0.###", CultureInfo.InvariantCulture);
    }
}
