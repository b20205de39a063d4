using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace InstantIdAvatars.Pose
{
    /// <summary>What can be wrong with a projected rig view. Flags; none of them stops the projection.</summary>
    [Flags]
    public enum ProjectionWarnings
    {
        /// <summary>Nothing to report.</summary>
        None = 0,

        /// <summary>A point is at or behind the camera (depth ≤ 0). Perspective keypoints there are NaN.</summary>
        BehindCamera = 1 << 0,

        /// <summary>A point is in front of the camera but nearer than its near clip plane (Unity would clip it).</summary>
        NearerThanNearPlane = 1 << 1,

        /// <summary>A point falls outside the output image (x not in [0, width) or y not in [0, height)).</summary>
        OutOfFrame = 1 << 2,

        /// <summary>The face is smaller than <see cref="RigProjectionOptions.MinFaceFraction"/> of the image width.</summary>
        FaceTooSmall = 1 << 3,

        /// <summary>
        /// A point is on the far side of a turned head (more than <see cref="RigProjectionOptions.HiddenYawDegrees"/>
        /// of yaw): it is still placed where it projects, as a detector guesses an occluded landmark.
        /// </summary>
        PointHidden = 1 << 4,

        /// <summary>The camera sees the back of the head (more than <see cref="RigProjectionOptions.TurnedAwayDegrees"/> off the face normal).</summary>
        FaceTurnedAway = 1 << 5,

        /// <summary>The camera's explicit aspect differs from the output's, so the view is stretched.</summary>
        AspectMismatch = 1 << 6,
    }

    /// <summary>Thresholds of the warnings <see cref="RigProjector"/> raises.</summary>
    public sealed class RigProjectionOptions
    {
        /// <summary>Default <see cref="MinFaceFraction"/>: 8% of the image width.</summary>
        public const float DefaultMinFaceFraction = 0.08f;

        /// <summary>Default <see cref="HiddenYawDegrees"/>.</summary>
        public const float DefaultHiddenYawDegrees = 60f;

        /// <summary>Default <see cref="TurnedAwayDegrees"/>.</summary>
        public const float DefaultTurnedAwayDegrees = 100f;

        /// <summary>Shared default options.</summary>
        public static RigProjectionOptions Default { get; } = new RigProjectionOptions();

        /// <summary>
        /// <see cref="ProjectionWarnings.FaceTooSmall"/> when the face size (inter-ocular distance in pixels, or
        /// its equivalent for a turned head, see <see cref="RigProjection.FaceSizePixels"/>) is below this
        /// fraction of the output width. 0.08 means an 82 px eye distance on a 1024 px image — well under the
        /// face sizes InstantID is usually run with, where the identity starts to wash out.
        /// </summary>
        public float MinFaceFraction { get; set; } = DefaultMinFaceFraction;

        /// <summary>
        /// Yaw (degrees, camera around the face) beyond which the far eye and far mouth corner are flagged
        /// <see cref="ProjectionWarnings.PointHidden"/>: the nose bridge and cheek cover them from about 60°.
        /// </summary>
        public float HiddenYawDegrees { get; set; } = DefaultHiddenYawDegrees;

        /// <summary>
        /// Angle (degrees) between the face's outward normal and the direction to the camera beyond which the
        /// view is <see cref="ProjectionWarnings.FaceTurnedAway"/> (all points hidden; a detector finds no face).
        /// </summary>
        public float TurnedAwayDegrees { get; set; } = DefaultTurnedAwayDegrees;
    }

    /// <summary>The five projected keypoints of a rig view and what is wrong with them.</summary>
    public sealed class RigProjection
    {
        internal RigProjection(FaceKeypoints keypoints, float[] depths, ProjectionWarnings[] pointWarnings,
            ProjectionWarnings warnings, string[] messages, float interOcular, float faceSize, float viewYaw,
            int width, int height)
        {
            Keypoints = keypoints;
            Depths = depths;
            PointWarnings = pointWarnings;
            Warnings = warnings;
            Messages = messages;
            InterOcularPixels = interOcular;
            FaceSizePixels = faceSize;
            ViewYawDegrees = viewYaw;
            OutputWidth = width;
            OutputHeight = height;
        }

        /// <summary>Pixel coordinates (origin top-left, y down) in insightface order; NaN where a point is behind a perspective camera.</summary>
        public FaceKeypoints Keypoints { get; }

        /// <summary>Depth of each point along the camera's view axis (world units; ≤ 0 is behind the camera).</summary>
        public IReadOnlyList<float> Depths { get; }

        /// <summary>Per-point flags (BehindCamera, NearerThanNearPlane, OutOfFrame, PointHidden), by keypoint index.</summary>
        public IReadOnlyList<ProjectionWarnings> PointWarnings { get; }

        /// <summary>All flags of the view.</summary>
        public ProjectionWarnings Warnings { get; }

        /// <summary>One human-readable sentence per problem, saying what to change.</summary>
        public IReadOnlyList<string> Messages { get; }

        /// <summary>Distance between the two projected eyes, in pixels (NaN if an eye is behind the camera).</summary>
        public float InterOcularPixels { get; }

        /// <summary>
        /// Face size used for <see cref="ProjectionWarnings.FaceTooSmall"/>: max(inter-ocular distance,
        /// eye-centre-to-mouth-centre distance / 1.155), in pixels. The second term is the inter-ocular distance a
        /// frontal view of the same face would have (1.155 is that ratio in insightface's arcface template), so a
        /// profile, whose eyes overlap, is not called small. NaN if a point is behind the camera.
        /// </summary>
        public float FaceSizePixels { get; }

        /// <summary>
        /// Where the camera sits around the face, in degrees: 0 in front, positive toward the subject's right
        /// (the side of keypoint 0), ±90 in profile. NaN if the anchors are degenerate.
        /// </summary>
        public float ViewYawDegrees { get; }

        /// <summary>Output image width the keypoints refer to.</summary>
        public int OutputWidth { get; }

        /// <summary>Output image height the keypoints refer to.</summary>
        public int OutputHeight { get; }

        /// <summary>True when the keypoints can drive a landmark map: every point in front of the camera and the face not turned away.</summary>
        public bool IsUsable => (Warnings & (ProjectionWarnings.BehindCamera | ProjectionWarnings.FaceTurnedAway)) == 0;

        /// <summary>Whether any of <paramref name="flags"/> is set for the view.</summary>
        public bool Has(ProjectionWarnings flags) => (Warnings & flags) != 0;
    }

    /// <summary>
    /// Projects a rig's five face anchors through a <see cref="PoseCamera"/> into pixel keypoints for IdentityNet's
    /// landmark map, and reports views that will not work (behind the camera, out of frame, too small, turned away).
    /// </summary>
    /// <remarks>
    /// Pixel convention: Unity's <c>Camera.WorldToScreenPoint</c> with y flipped — u = (ndc.x + 1)/2 · width,
    /// v = (1 − ndc.y)/2 · height, so the view axis lands on (width/2, height/2) and (0,0) is the top-left corner
    /// of the image. Perspective ndc = (x/(z·tan(fov/2)·aspect), y/(z·tan(fov/2))) with the vertical fov;
    /// orthographic ndc = (x/(size·aspect), y/size).
    /// </remarks>
    public static class RigProjector
    {
        const double RadToDeg = 180.0 / Math.PI;

        // Eye-midpoint → mouth-midpoint distance over inter-ocular distance in insightface's arcface_dst template
        // (40.77 / 35.24), used to turn the vertical face extent into a yaw-independent face size.
        const float EyeToMouthPerInterOcular = 1.155f;

        /// <summary>
        /// Projects <paramref name="anchors"/> into an image of <paramref name="outputWidth"/> × <paramref name="outputHeight"/>
        /// pixels. Never throws for a bad view (see <see cref="RigProjection.Warnings"/>); throws
        /// <see cref="InstantIdException"/> for an invalid camera, size or non-finite anchors.
        /// </summary>
        public static RigProjection Project(HeadAnchors anchors, PoseCamera camera, int outputWidth, int outputHeight,
            RigProjectionOptions? options = null)
        {
            camera.Validate();
            if (outputWidth < 1 || outputHeight < 1)
                throw new InstantIdException("The output image size must be at least 1×1 pixels; got " + outputWidth + "×" + outputHeight + ".");
            for (var i = 0; i < FaceKeypoints.Count; i++)
            {
                if (!PoseRotation.IsFinite(anchors[i]))
                    throw new InstantIdException("The " + FaceKeypoints.Names[i] + " anchor is not finite (" + anchors[i] + "); place all five anchors or use HeadAnchors.FromHeadBone.");
            }
            options ??= RigProjectionOptions.Default;

            var rotation = Quaternion.Normalize(camera.Rotation);
            var toCamera = Quaternion.Conjugate(rotation);
            double width = outputWidth, height = outputHeight;
            double outputAspect = width / height;
            double aspect = camera.Aspect > 0f ? camera.Aspect : outputAspect;
            double halfHeight = camera.Orthographic ? camera.OrthographicSize : Math.Tan(camera.FieldOfView * 0.5 / RadToDeg);
            double halfWidth = halfHeight * aspect;

            var warnings = ProjectionWarnings.None;
            var messages = new List<string>();
            var points = new Vector2[FaceKeypoints.Count];
            var depths = new float[FaceKeypoints.Count];
            var pointWarnings = new ProjectionWarnings[FaceKeypoints.Count];

            for (var i = 0; i < FaceKeypoints.Count; i++)
            {
                var local = Vector3.Transform(anchors[i] - camera.Position, toCamera);
                double x = local.X, y = local.Y, z = local.Z;
                depths[i] = local.Z;
                double ndcX, ndcY;
                if (camera.Orthographic)
                {
                    ndcX = x / halfWidth;
                    ndcY = y / halfHeight;
                }
                else if (z > 0)
                {
                    ndcX = x / (z * halfWidth);
                    ndcY = y / (z * halfHeight);
                }
                else
                {
                    ndcX = ndcY = double.NaN; // the perspective divide mirrors points behind the eye: no usable position
                }
                points[i] = new Vector2((float)((ndcX + 1.0) * 0.5 * width), (float)((1.0 - ndcY) * 0.5 * height));

                // An orthographic camera with a negative near plane (Unity allows it) still renders points behind it.
                var behind = z <= 0 && (!camera.Orthographic || z < camera.NearClipPlane);
                if (behind)
                {
                    pointWarnings[i] |= ProjectionWarnings.BehindCamera;
                    messages.Add("The " + FaceKeypoints.Names[i] + " (keypoint " + i + ") is behind the camera; move or turn the camera so it looks at the face.");
                }
                else if (z < camera.NearClipPlane)
                {
                    pointWarnings[i] |= ProjectionWarnings.NearerThanNearPlane;
                    messages.Add("The " + FaceKeypoints.Names[i] + " (keypoint " + i + ") is " + F(z, "0.###") + " m from the camera, nearer than its near clip plane (" +
                                 F(camera.NearClipPlane, "0.###") + " m); move the camera back or lower its near clip plane.");
                }
                var p = points[i];
                if (!float.IsNaN(p.X) && !(p.X >= 0f && p.X < outputWidth && p.Y >= 0f && p.Y < outputHeight))
                {
                    pointWarnings[i] |= ProjectionWarnings.OutOfFrame;
                    messages.Add("The " + FaceKeypoints.Names[i] + " (keypoint " + i + ") lands outside the " + outputWidth + "×" + outputHeight +
                                 " image at (" + F(p.X, "0.0") + ", " + F(p.Y, "0.0") + "); aim the camera at the face or widen the view.");
                }
            }

            var keypoints = new FaceKeypoints(points[0], points[1], points[2], points[3], points[4]);

            // Which way the face looks relative to the camera. Face normal from the points themselves (eye line ×
            // eye→mouth), so hand-placed anchors work too; with insightface's order it points out of the face.
            var eyeLine = anchors.RightEye - anchors.LeftEye;
            var down = (anchors.LeftMouth + anchors.RightMouth - anchors.LeftEye - anchors.RightEye) * 0.5f;
            var normal = Vector3.Cross(eyeLine, down);
            var viewYaw = float.NaN;
            if (normal.LengthSquared() > 1e-20f)
            {
                normal = Vector3.Normalize(normal);
                var towardSubjectRight = -eyeLine - normal * Vector3.Dot(-eyeLine, normal);
                var toViewer = camera.Orthographic ? -camera.Forward : camera.Position - anchors.Centroid;
                if (towardSubjectRight.LengthSquared() > 1e-20f && toViewer.LengthSquared() > 1e-20f)
                {
                    towardSubjectRight = Vector3.Normalize(towardSubjectRight);
                    toViewer = Vector3.Normalize(toViewer);
                    var facing = Vector3.Dot(toViewer, normal);
                    viewYaw = (float)(Math.Atan2(Vector3.Dot(toViewer, towardSubjectRight), facing) * RadToDeg);
                    var offNormal = Math.Acos(Math.Max(-1.0, Math.Min(1.0, facing))) * RadToDeg;
                    if (offNormal > options.TurnedAwayDegrees)
                    {
                        warnings |= ProjectionWarnings.FaceTurnedAway;
                        for (var i = 0; i < FaceKeypoints.Count; i++)
                            pointWarnings[i] |= ProjectionWarnings.PointHidden;
                        messages.Add("The camera sees the back of the head (" + F(offNormal, "0") + "° off the face's direction, limit " +
                                     F(options.TurnedAwayDegrees, "0") + "°); turn the rig or move the camera in front of the face.");
                    }
                    else if (Math.Abs(viewYaw) > options.HiddenYawDegrees)
                    {
                        // Camera on the subject's right (positive yaw) hides their left eye and mouth corner (1, 4).
                        var farEye = viewYaw > 0 ? 1 : 0;
                        var farMouth = viewYaw > 0 ? 4 : 3;
                        pointWarnings[farEye] |= ProjectionWarnings.PointHidden;
                        pointWarnings[farMouth] |= ProjectionWarnings.PointHidden;
                        messages.Add("At " + F(viewYaw, "0") + "° of yaw the " + FaceKeypoints.Names[farEye] + " and " + FaceKeypoints.Names[farMouth] +
                                     " are hidden behind the face; they are kept where they project, as a detector would guess them.");
                    }
                }
            }

            var interOcular = keypoints.InterOcularDistance;
            var eyeToMouth = Vector2.Distance((keypoints.LeftEye + keypoints.RightEye) * 0.5f, (keypoints.LeftMouth + keypoints.RightMouth) * 0.5f);
            var faceSize = Math.Max(interOcular, eyeToMouth / EyeToMouthPerInterOcular);
            var minFace = options.MinFaceFraction * outputWidth;
            if (!float.IsNaN(faceSize) && faceSize < minFace)
            {
                warnings |= ProjectionWarnings.FaceTooSmall;
                messages.Add("The face is too small: about " + F(faceSize, "0") + " px between the eyes, below " + F(options.MinFaceFraction * 100.0, "0.#") +
                             "% of the " + outputWidth + " px width (" + F(minFace, "0") + " px); move the camera closer or narrow its field of view.");
            }

            if (camera.Aspect > 0f && Math.Abs(camera.Aspect / outputAspect - 1.0) > 0.01)
            {
                warnings |= ProjectionWarnings.AspectMismatch;
                messages.Add("The camera's aspect " + F(camera.Aspect, "0.###") + " differs from the " + outputWidth + "×" + outputHeight +
                             " output (" + F(outputAspect, "0.###") + "), so the face is stretched; set the aspect to 0 to follow the output size.");
            }

            foreach (var w in pointWarnings)
                warnings |= w;
            return new RigProjection(keypoints, depths, pointWarnings, warnings, messages.ToArray(), interOcular, faceSize, viewYaw,
                outputWidth, outputHeight);
        }

        static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
    }
}
