using InstantIdAvatars.Faces;
using InstantIdAvatars.Pose;
using UnityEngine;
using NVector3 = System.Numerics.Vector3;
using NQuaternion = System.Numerics.Quaternion;

namespace InstantIdAvatars.Samples.PoseRigViews
{
    /// <summary>
    /// The five face anchors of a character (eyes, nose tip, mouth corners, in insightface's order) attached to its head
    /// bone, so they follow the animated head. Place them from the Animator's humanoid head bone (component menu →
    /// Place Anchors From Head Bone) and adjust them in the inspector or with the scene-view handles; the gizmos show
    /// them in the landmark map's colours.
    /// </summary>
    [AddComponentMenu("InstantID Avatars/Samples/Head Rig")]
    public sealed class HeadRig : MonoBehaviour
    {
        [Tooltip("Humanoid Animator whose Head bone carries the anchors (found on this object or its parents when empty).")]
        [SerializeField] Animator? _animator = null;
        [Tooltip("Head bone to use instead of the Animator's (generic rigs).")]
        [SerializeField] Transform? _headBone = null;
        [Tooltip("Crown-to-chin height of the character's head in metres (0.23 for an adult); scales the estimated anchors.")]
        [SerializeField, Min(0.01f)] float _headHeight = HeadAnchors.DefaultHeadHeight;

        [Header("Anchors (head-bone space, metres)")]
        [Tooltip("Keypoint 0: the subject's RIGHT eye (image-left in a frontal view, as insightface names it).")]
        [SerializeField] Vector3 _leftEye = default;
        [Tooltip("Keypoint 1: the subject's LEFT eye.")]
        [SerializeField] Vector3 _rightEye = default;
        [Tooltip("Keypoint 2: nose tip.")]
        [SerializeField] Vector3 _nose = default;
        [Tooltip("Keypoint 3: the subject's right mouth corner.")]
        [SerializeField] Vector3 _leftMouth = default;
        [Tooltip("Keypoint 4: the subject's left mouth corner.")]
        [SerializeField] Vector3 _rightMouth = default;
        [SerializeField, HideInInspector] bool _placed = false;

        /// <summary>The bone the anchors follow: the explicit head bone, the Animator's Head, or this transform.</summary>
        public Transform HeadBone
        {
            get
            {
                if (_headBone != null) return _headBone;
                var animator = _animator != null ? _animator : GetComponentInParent<Animator>();
                var head = animator != null && animator.isHuman ? animator.GetBoneTransform(HumanBodyBones.Head) : null;
                return head != null ? head : transform;
            }
        }

        /// <summary>True once the anchors were placed (from the head bone or by hand).</summary>
        public bool IsPlaced => _placed;

        /// <summary>The anchors in world space now (they move with the head bone).</summary>
        public HeadAnchors WorldAnchors
        {
            get
            {
                var bone = HeadBone;
                var position = ToNumerics(bone.position);
                var rotation = ToNumerics(bone.rotation);
                NVector3 World(Vector3 local) => position + NVector3.Transform(ToNumerics(local), rotation);
                return new HeadAnchors(World(_leftEye), World(_rightEye), World(_nose), World(_leftMouth), World(_rightMouth));
            }
        }

        /// <summary>
        /// Estimates the anchors with <see cref="HeadAnchors.FromHeadBone(NVector3, NQuaternion, float)"/>. The face is
        /// taken to look along the character root's forward (+Z of the Animator's object, or of this object): place the
        /// anchors with the head not turned (T-pose or idle). Offsets are then stored in the head bone's own space,
        /// whatever its axes are, so the anchors follow the head as it animates.
        /// </summary>
        [ContextMenu("Place Anchors From Head Bone")]
        public void PlaceFromHeadBone()
        {
            var bone = HeadBone;
            var animator = _animator != null ? _animator : GetComponentInParent<Animator>();
            var facing = ToNumerics((animator != null ? animator.transform : transform).rotation);
            var anchors = HeadAnchors.FromHeadBone(ToNumerics(bone.position), facing, HeadAnchors.ScaleForHeadHeight(_headHeight));
            SetWorldAnchors(anchors);
        }

        /// <summary>Stores world-space anchors as offsets in the head bone's space (used by the scene-view handles too).</summary>
        public void SetWorldAnchors(HeadAnchors anchors)
        {
            var bone = HeadBone;
            var position = ToNumerics(bone.position);
            var inverse = NQuaternion.Inverse(NQuaternion.Normalize(ToNumerics(bone.rotation)));
            Vector3 Local(NVector3 world) => ToUnity(NVector3.Transform(world - position, inverse));
            _leftEye = Local(anchors.LeftEye);
            _rightEye = Local(anchors.RightEye);
            _nose = Local(anchors.Nose);
            _leftMouth = Local(anchors.LeftMouth);
            _rightMouth = Local(anchors.RightMouth);
            _placed = true;
        }

        void Reset()
        {
            _animator = GetComponentInParent<Animator>();
            PlaceFromHeadBone();
        }

        void OnDrawGizmos()
        {
            if (!_placed) return;
            var anchors = WorldAnchors;
            float radius = 0.006f * _headHeight / HeadAnchors.DefaultHeadHeight;
            // the landmark map's colours and limbs: every point joined to the nose (as InstantID's draw_kps)
            for (int i = 0; i < 5; i++)
            {
                var c = LandmarkMapRenderer.Colors[i];
                Gizmos.color = new Color(c.R / 255f, c.G / 255f, c.B / 255f, 1f);
                Gizmos.DrawSphere(ToUnity(anchors[i]), radius);
                if (i != 2) Gizmos.DrawLine(ToUnity(anchors[i]), ToUnity(anchors.Nose));
            }
        }

        internal static NVector3 ToNumerics(Vector3 v) => new NVector3(v.x, v.y, v.z);
        internal static NQuaternion ToNumerics(Quaternion q) => new NQuaternion(q.x, q.y, q.z, q.w);
        internal static Vector3 ToUnity(NVector3 v) => new Vector3(v.X, v.Y, v.Z);
        internal static Quaternion ToUnity(NQuaternion q) => new Quaternion(q.X, q.Y, q.Z, q.W);
    }
}
